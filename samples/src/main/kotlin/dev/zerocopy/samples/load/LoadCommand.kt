package dev.zerocopy.samples.load

import picocli.CommandLine.Command

/** Placeholder for the `load` sample. */
@Command(name = "load", mixinStandardHelpOptions = true, description = ["Not written yet."])
class LoadCommand : Runnable {
    override fun run() {
        throw UnsupportedOperationException("load is not written yet")
    }
}
