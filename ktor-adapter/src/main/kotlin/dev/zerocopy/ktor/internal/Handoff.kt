package dev.zerocopy.ktor.internal

import dev.zerocopy.Transfer
import dev.zerocopy.internal.Counters
import dev.zerocopy.internal.SomeReceiver
import dev.zerocopy.internal.Tally
import kotlinx.coroutines.CancellableContinuation
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.suspendCancellableCoroutine
import kotlinx.coroutines.withContext
import kotlin.coroutines.resume
import java.nio.ByteBuffer
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel

/** Steps a loop makes for one handoff before it lets the other ready channels go: at most 16 MiB (64 MiB for files). */
internal const val STEPS_PER_TURN = 16

/**
 * Work that a [TransferLoop] finishes on its thread: once a call's own step moved nothing, the
 * loop steps it on readiness until it ends, and then hands it back ([end]) so that the caller
 * resumes once. The caller and the loop never step it at the same time: the loop takes it over
 * in [TransferLoop.submit] and gives it back in [end]. [OnceHandoff]s serve one wait each;
 * a [ViewHandoff] serves every wait of one socket and direction, one after another.
 */
internal abstract class Handoff(val channel: SelectableChannel, val ops: Int) {

    /**
     * Whether the caller was cancelled: the loop then steps it no more, even if its channel
     * turned ready meanwhile, and acknowledges by ending it. Set in the thread that cancels.
     */
    abstract val cancelled: Boolean

    /** Whether the loop has nothing to do with it (ended, or not handed over yet): a queued entry is skipped. */
    abstract val isDone: Boolean

    /** The key the loop attached it to; the loop's thread only. */
    var key: SelectionKey? = null

    /** Where it is in its loop's list of handoffs under way, -1 if not there; the loop's thread only. */
    var activeIndex: Int = -1

    /** Steps until the channel would block (false) or the work is done (true); the loop's thread only. */
    abstract fun stepUntilBlocked(): Boolean

    /**
     * Hands it back to its caller, who resumes: with [failure], or done if [finished], else
     * cancelled. Called by the loop, and by a closed loop's [TransferLoop.submit].
     */
    abstract fun end(failure: Throwable?, finished: Boolean)
}

/**
 * A [Handoff] for one wait of the paths that may allocate (a timeout or a progress listener,
 * `recvSome`, the Ktor-channel fallbacks): the caller suspends with
 * [suspendCancellableCoroutine] and awaits a [CompletableDeferred] once cancelled.
 */
internal abstract class OnceHandoff(channel: SelectableChannel, ops: Int) : Handoff(channel, ops) {

    /** Completed by [end]: the loop is done with it. */
    private val done = CompletableDeferred<Unit>()

    /** The caller's suspension, resumed by [end]. */
    private var waiter: CancellableContinuation<Unit>? = null

    @Volatile
    final override var cancelled: Boolean = false
        private set

    /** Whether the loop stepped it to its end; read by the caller once [done] completed. */
    private var finished = false

    /** What ended it early, if anything; read by the caller once [done] completed. */
    private var failure: Throwable? = null

    final override val isDone: Boolean get() = done.isCompleted

    /** Steps once in the caller, before the loop has it: whether the step moved bytes (or the work is done). */
    protected abstract fun poll(): Boolean

    /**
     * Has [loop] finish this, as [runOn] does, after retrying the step in the caller for up
     * to [busyPollNanos] (0: not at all): a peer that answers within that time is served
     * without a hop to the loop and back, for the CPU of spinning meanwhile. Returns early,
     * the work maybe not done, as soon as a retried step moved bytes; each retry that moved
     * nothing counts as a step that moved nothing in the transfer's report.
     */
    suspend fun finishOn(loop: TransferLoop, busyPollNanos: Long = TransferLoops.busyPollNanos) {
        if (busyPollNanos > 0) {
            val until = System.nanoTime() + busyPollNanos
            do {
                if (poll()) return
                Thread.onSpinWait()
            } while (System.nanoTime() - until < 0)
        }
        runOn(loop)
    }

    final override fun end(failure: Throwable?, finished: Boolean) {
        this.failure = failure
        this.finished = finished
        done.complete(Unit)
        waiter!!.resume(Unit) // ignored if the caller was cancelled: it waits for done instead
    }

    /**
     * Has [loop] finish this, suspending until it has. Never returns or throws while the loop
     * may still step it: if the caller is cancelled meanwhile, the loop is told to stop and
     * acknowledges first. A handoff that the loop finished before it saw the cancellation
     * returns normally (its bytes moved; the coroutine sees the cancellation at its next
     * suspension); one it stopped part way rethrows the cancellation.
     *
     * @throws java.io.IOException (or another exception) of a failed step, without counts
     */
    suspend fun runOn(loop: TransferLoop) {
        try {
            suspendCancellableCoroutine<Unit> { continuation ->
                waiter = continuation
                continuation.invokeOnCancellation {
                    cancelled = true
                    loop.submit(this)
                }
                loop.submit(this)
            }
        } catch (cancellation: CancellationException) {
            withContext(NonCancellable) { done.await() }
            failure?.let { throw it }
            if (!finished) throw cancellation
            return
        }
        failure?.let { throw it }
    }
}

/** A core [Transfer] on a socket's own channel, stepped to its end (or failure). */
internal class TransferHandoff(channel: SocketChannel, private val transfer: Transfer) :
    OnceHandoff(channel, transfer.interestOps()) {

    private val tally = Tally.of(transfer)

    override fun poll(): Boolean = transfer.step() != 0L || transfer.isComplete

    override fun stepUntilBlocked(): Boolean {
        var steps = 0
        while (!transfer.isComplete) {
            if (cancelled) return false
            if (transfer.step() == 0L) {
                if (transfer.isComplete) break
                tally?.waited()
                Counters.waited()
                return false
            }
            // Still ready, most likely: the next select reports it again, after the other ready channels.
            if (++steps == STEPS_PER_TURN) return transfer.isComplete
        }
        return true
    }
}

/** One read that gives at least one byte or the end of stream ([SomeReceiver]'s step). */
internal class SomeHandoff(channel: SocketChannel, private val buffer: ByteBuffer) :
    OnceHandoff(channel, SelectionKey.OP_READ) {

    /** What the read gave: bytes (> 0) or -1; valid once finished. */
    var read: Int = 0
        private set

    override fun poll(): Boolean = stepUntilBlocked()

    override fun stepUntilBlocked(): Boolean {
        read = SomeReceiver.step(channel as SocketChannel, buffer)
        return read != 0
    }
}
