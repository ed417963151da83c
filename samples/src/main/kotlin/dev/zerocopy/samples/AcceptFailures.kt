package dev.zerocopy.samples

import java.io.IOException
import java.nio.channels.SocketChannel
import java.util.concurrent.TimeUnit

/**
 * What a server's accept loop does when `accept` fails while the listener is still open,
 * typically because the process is out of file descriptors ("Too many open files"): it backs
 * off, doubling from 10 ms to 1 s between attempts, instead of ending (the listener would
 * close) or spinning; it logs the first failure of a burst and, once accepting works again,
 * how many failed and for how long, instead of a line per attempt.
 *
 * Not thread-safe: one per accept loop.
 *
 * @param log where the two lines of a burst go
 */
internal class AcceptFailures(private val log: (String) -> Unit) {
    private var failures = 0L
    private var firstNanos = 0L
    private var backoffMillis = 0L

    /** Records a failed accept and returns how long to wait before the next attempt, in milliseconds. */
    fun failed(error: IOException): Long {
        if (failures++ == 0L) {
            firstNanos = System.nanoTime()
            log("accept failed: ${error.message ?: error}; retrying with backoff up to $MAX_BACKOFF_MILLIS ms (logged once until accepting works again)")
        }
        backoffMillis = if (backoffMillis == 0L) MIN_BACKOFF_MILLIS else minOf(backoffMillis * 2, MAX_BACKOFF_MILLIS)
        return backoffMillis
    }

    /** Records a successful accept; ends a burst of failures, if there was one, with a line. */
    fun accepted() {
        if (failures == 0L) return
        val millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - firstNanos)
        log("accepting again after $failures failed accepts over $millis ms")
        failures = 0
        backoffMillis = 0
    }

    companion object {
        const val MIN_BACKOFF_MILLIS: Long = 10
        const val MAX_BACKOFF_MILLIS: Long = 1000

        /**
         * Runs the JDK's socket close path once, at start-up, while descriptors are free. The
         * first close of a socket initialises `sun.nio.ch.FileDispatcherImpl`, which opens a
         * descriptor of its own; if that first close happens while the process is out of
         * descriptors, the class fails to initialise for good, no socket can be closed again,
         * Ktor's selector dies, and the server never recovers.
         */
        @JvmStatic
        fun warmClosePath() {
            SocketChannel.open().close()
        }
    }
}
