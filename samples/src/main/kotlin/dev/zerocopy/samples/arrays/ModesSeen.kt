package dev.zerocopy.samples.arrays

import dev.zerocopy.FallbackCode
import dev.zerocopy.TransferCounters

/**
 * What the library did with a command's bytes, from the process's [TransferCounters] since
 * this was made: the line every `arrays` command ends with.
 *
 * The array travels as views, which the library writes from and reads into their own memory:
 * there is no file mode to choose, so nothing can fall back, and the file counters should
 * not move. The line says so with the counters' own figures rather than assuming it, with
 * the waits for readiness the transfers made. The counters are the process's: another
 * transfer in the same process (a test's) shows in them too.
 */
internal class ModesSeen {
    private val before = TransferCounters.snapshot()

    /** Returns the line for the bytes the command [sent] and [received] as views since this was made. */
    fun line(sent: Long, received: Long): String {
        val seen = TransferCounters.snapshot().minus(before)
        val fallbacks = FallbackCode.values()
            .map { it to seen.fallbacks(it) }
            .filter { (_, count) -> count > 0 }
            .joinToString(", ") { (code, count) -> "$code x$count" }
            .ifEmpty { "none" }
        return "modes: views ${grouped(sent)} bytes sent, ${grouped(received)} received " +
            "(written from and read into their own memory, no file mode); " +
            "file transfers: ${grouped(seen.zeroCopiedBytes())} bytes zero-copy, " +
            "${grouped(seen.copiedBytes())} copied; fallbacks: $fallbacks; " +
            "waits for readiness: ${grouped(seen.waits())}"
    }
}
