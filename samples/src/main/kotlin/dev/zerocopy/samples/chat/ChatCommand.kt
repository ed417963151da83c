package dev.zerocopy.samples.chat

import picocli.CommandLine.Command

/** Placeholder for the `chat` sample. */
@Command(name = "chat", mixinStandardHelpOptions = true, description = ["Not written yet."])
class ChatCommand : Runnable {
    override fun run() {
        throw UnsupportedOperationException("chat is not written yet")
    }
}
