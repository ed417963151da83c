package dev.zerocopy.samples.stream

import picocli.CommandLine.Command

/** Placeholder for the `stream` sample. */
@Command(name = "stream", mixinStandardHelpOptions = true, description = ["Not written yet."])
class StreamCommand : Runnable {
    override fun run() {
        throw UnsupportedOperationException("stream is not written yet")
    }
}
