package dev.zerocopy.ktor.internal

import dev.zerocopy.FileTransfer
import dev.zerocopy.Transfer
import dev.zerocopy.TransferTimeoutException
import dev.zerocopy.internal.Counters
import dev.zerocopy.internal.Deadline
import dev.zerocopy.internal.Failures
import dev.zerocopy.internal.InlineSteps
import dev.zerocopy.internal.Jfr
import dev.zerocopy.internal.Tally
import dev.zerocopy.internal.TransferEvent
import dev.zerocopy.ktor.TransferCancellationException
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import java.io.IOException
import java.nio.channels.SelectionKey
import java.time.Duration
import kotlin.time.Duration.Companion.nanoseconds

// The one suspending driver of the adapter: every call on a socket's own channel or on a
// Ktor channel steps its core Transfer here, and only the wait between steps differs.

/** Steps between two cooperative yields: 16 steps are at most 16 MiB (64 MiB for files). */
private const val STEPS_PER_YIELD = 16

/**
 * Steps [transfer] to completion, calling [await] whenever a step moves nothing, then
 * [finish] (a final flush). A send that ends early, [finish] included, after moving some
 * bytes marks [connection] broken. Every IOException leaves here with the transfer's
 * report ([Failures.withCounts]); a cancellation (`withTimeout` included) leaves as a
 * [TransferCancellationException] with it. [timeout] bounds the whole call, and the idle
 * timeout of the transfer's progress bounds each stretch without progress: either ends
 * the call with a [TransferTimeoutException] (counted by [Counters.timedOut]) and leaves
 * the channel open.
 *
 * A transfer that the caller began stepping itself ([InlineSteps]) comes with its [event] and
 * says with [waitFirst] that its last step moved nothing: the first thing to do is wait.
 */
internal suspend fun drive(
    connection: Any,
    transfer: Transfer,
    timeout: Duration? = null,
    finish: suspend () -> Unit = {},
    waitFirst: Boolean = false,
    // A file transfer records its own event, across every driver.
    event: TransferEvent? = if (transfer is FileTransfer) null else Jfr.start(operation(transfer.interestOps())),
    await: suspend () -> Unit,
): Long {
    val sending = transfer.interestOps() == SelectionKey.OP_WRITE
    val start = transfer.transferred()
    val tally = Tally.of(transfer)
    val deadline = if (timeout == null) Deadline.NONE else Deadline.after(timeout)
    val bounded = deadline.isBounded || tally?.idles() == true
    var completed = false
    try {
        var steps = 0
        var stepNow = !waitFirst
        while (!transfer.isComplete) {
            val moved = if (stepNow) transfer.step() else 0L
            stepNow = true
            if (moved == 0L) {
                if (!transfer.isComplete) {
                    tally?.waited()
                    Counters.waited()
                    if (bounded) awaitWithin(transfer, tally, deadline, await) else await()
                }
            } else {
                if (deadline.isBounded && !transfer.isComplete && deadline.remainingNanos() <= 0) {
                    throw timeout(transfer, tally, deadline)
                }
                if (++steps % STEPS_PER_YIELD == 0) yield()
            }
        }
        if (bounded) awaitWithin(transfer, tally, deadline, finish) else finish()
        completed = true
        return transfer.transferred() - start
    } catch (failure: IOException) {
        throw withCounts(transfer, failure)
    } catch (cancelled: CancellationException) {
        if (cancelled is TransferCancellationException) throw cancelled
        tally?.ended()
        Counters.cancelled()
        val report = transfer.report()
        throw TransferCancellationException(
            "cancelled after ${report.transferred()} of ${report.byteCount()} ${what(transfer)}", report, cancelled
        )
    } finally {
        event?.finish(transfer.report())
        if (!completed && sending && transfer.transferred() > 0) {
            markBroken(connection, transfer.transferred(), transfer.byteCount())
        }
    }
}

/**
 * Runs [await] for at most what is left of [deadline] and of the transfer's idle timeout. An
 * [await] that steps the transfer itself (a [TransferLoop]'s) may have moved bytes before the
 * timer stopped it, which moves the idle timeout on: it is then run again for what is left.
 */
private suspend fun awaitWithin(transfer: Transfer, tally: Tally?, deadline: Deadline, await: suspend () -> Unit) {
    while (true) {
        val left = minOf(deadline.remainingNanos(), tally?.idleRemainingNanos() ?: Long.MAX_VALUE)
        if (left <= 0) throw timeout(transfer, tally, deadline)
        if (withTimeoutOrNull(left.nanoseconds) { await() } != null) return
    }
}

/** The timeout of [transfer]: its deadline's if that passed, else its idle timeout's. */
private fun timeout(transfer: Transfer, tally: Tally?, deadline: Deadline): TransferTimeoutException {
    tally?.ended()
    Counters.timedOut()
    val report = transfer.report()
    val counts = "${report.transferred()} of ${report.byteCount()} ${what(transfer)}"
    return if (deadline.isBounded && deadline.remainingNanos() <= 0 || tally == null || !tally.idles()) {
        TransferTimeoutException(deadline.timeoutMillis(), report, what(transfer))
    } else {
        TransferTimeoutException("no progress for ${tally.idleTimeoutMillis()} ms (the idle timeout) after $counts", report)
    }
}

private fun what(transfer: Transfer): String =
    if (transfer.interestOps() == SelectionKey.OP_WRITE) "bytes sent" else "bytes received"

/** The operation a JFR event names for a transfer with [interestOps]. */
internal fun operation(interestOps: Int): String = if (interestOps == SelectionKey.OP_WRITE) "send" else "recv"

/** [failure] with the counts of [transfer], unless it has them already. */
internal fun withCounts(transfer: Transfer, failure: IOException): IOException =
    Failures.withCounts(transfer, what(transfer), failure)
