package dev.zerocopy.samples.arrays

import me.tongfei.progressbar.ProgressBar
import me.tongfei.progressbar.ProgressBarBuilder
import me.tongfei.progressbar.ProgressBarConsumer
import me.tongfei.progressbar.ProgressBarStyle
import java.io.PrintWriter

/**
 * Returns a running progress bar of [total] bytes shown in MiB, drawn on [out] (the
 * command's error stream, so that the results on standard output stay clean).
 */
internal fun progressBar(out: PrintWriter, total: Long): ProgressBar = ProgressBarBuilder()
    .setTaskName("receiving")
    .setInitialMax(total)
    .setUnit(" MiB", 1L shl 20)
    // Plain ASCII: no colour escapes when the output is a file, no boxes in a non-UTF-8 locale.
    .setStyle(ProgressBarStyle.ASCII)
    .setUpdateIntervalMillis(100)
    .setConsumer(WriterConsumer(out))
    .build()

/**
 * Draws the bar on one line of a [PrintWriter], rewriting it in place. The library's
 * console consumer wants a `PrintStream`; picocli hands commands a `PrintWriter`,
 * which tests replace to capture the output.
 */
private class WriterConsumer(private val out: PrintWriter) : ProgressBarConsumer {

    override fun getMaxRenderedLength(): Int = 100

    override fun accept(rendered: String) {
        out.print('\r')
        out.print(rendered)
        out.flush()
    }

    override fun close() {
        out.println()
        out.flush()
    }
}
