package dev.zerocopy.samples.arrays

import picocli.CommandLine.Command

/** Placeholder for the `arrays` sample. */
@Command(name = "arrays", mixinStandardHelpOptions = true, description = ["Not written yet."])
class ArraysCommand : Runnable {
    override fun run() {
        throw UnsupportedOperationException("arrays is not written yet")
    }
}
