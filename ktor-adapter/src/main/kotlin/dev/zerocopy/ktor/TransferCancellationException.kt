package dev.zerocopy.ktor

import dev.zerocopy.TransferReport
import kotlinx.coroutines.CancellationException

/**
 * Thrown by an adapter call whose coroutine was cancelled (by `Job.cancel`, a cancelled
 * parent, or `withTimeout`) while the call was under way, carrying the [report] of the
 * transfer at that moment: how many bytes moved, by which mode, in how many steps.
 *
 * It is a [CancellationException], so cancellation still propagates as cancellation and
 * structured concurrency is unchanged: catch it inside the cancelled coroutine to read the
 * counts, then rethrow it. Code outside `withTimeout` sees the `TimeoutCancellationException`
 * of `withTimeout` itself, without the counts; to learn them there, catch this one inside
 * the block, or give the adapter call its own `timeout`, which throws
 * [dev.zerocopy.TransferTimeoutException] (an [java.io.IOException]) with the report instead
 * of cancelling.
 *
 * What the cancelled transfer leaves behind is as each call's KDoc says: a send that moved
 * some bytes has marked its socket or channel broken; a receive keeps what arrived.
 *
 * @property report the transfer's report when the cancellation ended it
 */
public class TransferCancellationException(
    message: String,
    public val report: TransferReport,
    cause: Throwable?,
) : CancellationException(message) {
    init {
        initCause(cause)
    }
}
