package dev.zerocopy.samples

import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.isClosed
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import java.io.IOException
import java.nio.channels.ClosedChannelException
import java.nio.channels.ClosedSelectorException
import java.nio.channels.SocketChannel
import java.util.concurrent.TimeUnit

/**
 * Accepts the next connection on this Ktor listener for a server's accept loop, or returns null
 * when the loop must end: the server closed the listener ([closedByServer] or the listener say
 * so), or the listener can never accept again. A failure that may pass (out of descriptors)
 * backs off as [failures] says and tries again; one that cannot (the listening channel closed by
 * something other than the server, or the selector it waits on closed) is logged once through
 * [failures], and null returned, instead of retrying forever.
 *
 * Cancellable: cancelling the calling coroutine (the server closing) ends the wait.
 */
internal suspend fun ServerSocket.acceptOrNull(failures: AcceptFailures, closedByServer: () -> Boolean): Socket? {
    while (true) {
        val failure = try {
            return accept().also { failures.accepted() }
        } catch (failed: Throwable) {
            failed
        }
        // Ktor fails a waiting accept with a CancellationException when its selector closes; the
        // caller's own cancellation is told apart by its job no longer being active.
        if (failure is CancellationException && !currentCoroutineContext().isActive) throw failure
        if (closedByServer() || isClosed) return null
        val channelOpen = (this as? Selectable)?.channel?.isOpen ?: true
        if (!channelOpen || failure is ClosedChannelException || failure is ClosedSelectorException || failure is CancellationException) {
            val why = when {
                !channelOpen -> "the listening socket was closed, not by this server"
                failure is ClosedChannelException -> "Ktor reports the listener closed, though its socket is open"
                else -> "its selector was closed"
            }
            failures.lost(failure, why)
            return null
        }
        if (failure !is IOException) throw failure
        delay(failures.failed(failure))
    }
}

/**
 * What a server's accept loop does when `accept` fails while the listener is still open,
 * typically because the process is out of file descriptors ("Too many open files"): it backs
 * off, doubling from 10 ms to 1 s between attempts, instead of ending (the listener would
 * close) or spinning; it logs the first failure of a burst and, once accepting works again,
 * how many failed and for how long, instead of a line per attempt. A failure no wait can
 * outlast (the listener lost, see [acceptOrNull]) is logged once by [lost] and ends the loop.
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

    /** Records a failure that ends the accept loop for good ([why] it cannot recover), in one line. */
    fun lost(error: Throwable, why: String) {
        log("accept failed: $error; $why, so no connection can be accepted again; stopped accepting")
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
