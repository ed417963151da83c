package dev.zerocopy.ktor.internal

import dev.zerocopy.ktor.TransferCancellationException
import dev.zerocopy.ktor.TransferFuture
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.Job
import kotlinx.coroutines.asContextElement
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.coroutines.CoroutineContext

/**
 * The [TransferFuture] of one operation run as a coroutine: [cancel] cancels the
 * coroutine, waits for [stopped], and completes the future with the
 * [TransferCancellationException] the operation ended with ([capture] keeps it, since the
 * cancelled job itself ends with its own cancellation exception).
 */
internal class OperationFuture<T> : TransferFuture<T>() {

    private lateinit var operation: Job

    /** What the operation threw when cancelled while moving bytes, with its report. */
    @Volatile
    private var cancellation: TransferCancellationException? = null

    /** Counted down once the operation has stopped and [outcome] is set. */
    private val stopped = CountDownLatch(1)

    @Volatile
    private var outcome: (() -> Unit)? = null
    private val settled = AtomicBoolean()

    /** This future on the thread that runs its operation, to tell a [cancel] from there. */
    fun context(): CoroutineContext = RUNNING.asContextElement(this)

    /** Ties this future to [operation]: completing the future first cancels it. */
    fun attach(operation: Job) {
        this.operation = operation
        whenComplete { _, _ -> operation.cancel() }
    }

    /** Runs the operation's [block], keeping the [TransferCancellationException] it ends with. */
    suspend fun <R> capture(block: suspend () -> R): R =
        try {
            block()
        } catch (cancelled: TransferCancellationException) {
            cancellation = cancelled
            throw cancelled
        }

    /** Called once the operation has stopped: completes the future with its [result] or [failure]. */
    fun stopped(failure: Throwable?, result: () -> T) {
        outcome = when (failure) {
            null -> delivery(result())
            is CancellationException -> failing(cancellation ?: failure)
            else -> failing(failure)
        }
        stopped.countDown()
        settle()
    }

    /** Completes with [value]; a value nobody can receive any more (the future was done) is closed. */
    private fun delivery(value: T): () -> Unit = {
        if (!complete(value) && value is AutoCloseable) value.close()
    }

    private fun failing(failure: Throwable): () -> Unit = { completeExceptionally(failure) }

    /** Applies the outcome once, on whichever thread gets here first: the operation's or a waiting [cancel]. */
    private fun settle() {
        val settle = outcome ?: return
        if (settled.compareAndSet(false, true)) settle()
    }

    // The contract is TransferFuture.cancel's.
    override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
        if (isDone) return false
        operation.cancel()
        // A listener runs on a transfer loop once its operation has waited; blocking a loop
        // would stall the very operation it waits for (and every other one on that loop).
        val why = if (RUNNING.get() === this || TransferLoop.onLoopThread) {
            "cancelled from its own operation's thread, which cannot wait for the operation to stop"
        } else {
            try {
                if (stopped.await(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS)) settle()
                "cancelled; the operation did not stop within $STOP_WAIT_MILLIS ms"
            } catch (interrupted: InterruptedException) {
                Thread.currentThread().interrupt() // stop waiting, keep the interrupt
                "cancelled; interrupted while waiting for the operation to stop"
            }
        }
        if (!isDone) completeExceptionally(CancellationException("$why: its counts are not reported"))
        return isCancelled
    }

    private companion object {
        /**
         * The longest a [cancel] waits for its operation to stop. It normally stops within
         * microseconds; this bounds a listener that blocks or a starved dispatcher.
         */
        const val STOP_WAIT_MILLIS: Long = 5_000

        val RUNNING = ThreadLocal<OperationFuture<*>?>()
    }
}
