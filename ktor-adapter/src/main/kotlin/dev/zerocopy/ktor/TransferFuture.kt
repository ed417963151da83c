package dev.zerocopy.ktor

import kotlinx.coroutines.CancellationException
import java.util.concurrent.CompletableFuture

/**
 * The [CompletableFuture] of one [SocketFutures] operation, whose [cancel] stops the
 * operation and then reports how far it got.
 *
 * Cancellation: [cancel] cancels the operation and waits until it has stopped, that is
 * until it no longer touches the caller's views, file or socket, and then completes this
 * future with what the operation ended with. For an operation that was moving bytes that
 * is a [TransferCancellationException]: a [CancellationException], so [isCancelled] is
 * true and [get] and [join] throw it (dependent stages get it as the cause of a
 * [java.util.concurrent.CompletionException]), and its [TransferCancellationException.report]
 * counts the bytes moved, final because the operation has stopped. It waits because a
 * report taken while the operation still runs could be short of the bytes it moves next,
 * and because only then may the caller reuse or release its views (a pooled view
 * released while a receive still writes into it would be corrupted). The wait is short:
 * the operation stops at its next suspension point, which a transfer reaches after a
 * bounded number of steps of at most a few MiB each. Other outcomes of [cancel]:
 * - the operation finished or failed before it saw the cancellation: the future completes
 *   with that result or exception and [cancel] returns false, as for a task that has
 *   already completed;
 * - the operation was cancelled before it moved anything (waiting behind an earlier
 *   operation on the same socket, or an operation such as `recvSome` that reports no
 *   counts): a plain [CancellationException];
 * - [cancel] called on the operation's own thread (from its [dev.zerocopy.Progress]
 *   listener or its frame allocator) or on any of the adapter's transfer-loop threads
 *   (where listeners run once their operation has waited), an operation that does not
 *   stop within 5 seconds (its listener blocks, or every thread of
 *   [kotlinx.coroutines.Dispatchers.Default] is blocked), or a calling thread interrupted
 *   while it waits (its interrupt status stays set): [cancel] cannot wait, and
 *   completes the future at once with a plain [CancellationException] that says so; the
 *   operation stops at its next suspension point, and its counts are not reported.
 *
 * Either way [isDone] is true when [cancel] returns, as [java.util.concurrent.Future]
 * requires; `mayInterruptIfRunning` has no effect, as in [CompletableFuture].
 *
 * Completing the future any other way before the operation ends (`orTimeout`,
 * `completeOnTimeout`, `complete`, `completeExceptionally`) cancels the operation without
 * waiting for it, and the future keeps the value or exception it was given, without
 * counts: to learn how far an operation got when it runs out of time, give it its own
 * `timeout`, which ends it with a [dev.zerocopy.TransferTimeoutException] and its report.
 * Futures derived from this one (`thenApply` and the like) are plain [CompletableFuture]s:
 * cancelling them does not reach the operation.
 *
 * Ownership: a result that arrives after the future was completed some other way and is
 * [AutoCloseable] (a socket, a pooled view) is closed, since nobody else can receive it.
 *
 * @param T the operation's result
 */
public abstract class TransferFuture<T> internal constructor() : CompletableFuture<T>() {

    /**
     * Cancels the operation, waits (briefly) until it has stopped, and completes this
     * future with what it ended with: normally a [TransferCancellationException] with the
     * final counts. See the class documentation for when it cannot wait.
     *
     * @param mayInterruptIfRunning no effect: the operation is a coroutine, cancelled at its
     *   next suspension point
     * @return true if this future is now cancelled; false if it was done already, or the
     *   operation finished or failed before it saw the cancellation
     */
    abstract override fun cancel(mayInterruptIfRunning: Boolean): Boolean
}
