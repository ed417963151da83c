package dev.zerocopy.ktor.internal

import dev.zerocopy.ByteView
import dev.zerocopy.Transfer
import dev.zerocopy.internal.Counters
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.internal.InlineSteps
import dev.zerocopy.internal.Jfr
import dev.zerocopy.internal.Tally
import dev.zerocopy.internal.TransferEvent
import dev.zerocopy.internal.ViewBuffers
import dev.zerocopy.ktor.TransferCancellationException
import io.ktor.network.sockets.Socket
import kotlinx.coroutines.DisposableHandle
import kotlinx.coroutines.InternalCoroutinesApi
import kotlinx.coroutines.Job
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import java.util.concurrent.atomic.AtomicInteger
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.COROUTINE_SUSPENDED
import kotlin.coroutines.intrinsics.intercepted

/** No call holds it. */
private const val IDLE = 0
/** A call holds it and steps in its own thread: the loop does not have it. */
private const val CLAIMED = 1
/** Given to the loop; the caller has not suspended yet. */
private const val SUBMITTED = 2
/** Given to the loop; the caller is suspended in it. */
private const val PARKED = 3
/** The caller's Job was cancelled while suspended: the loop stops stepping and ends it cancelled. */
private const val CANCELLING = 4
/** The loop ended it before the caller suspended: the caller takes the outcome itself. */
private const val ENDED = 5

/** What the call does, which says what its outcome is. */
private const val SEND = 0
private const val RECV = 1
private const val FRAME_HEADER = 2
private const val FRAME_PAYLOAD = 3

/**
 * The waits of the view and frame calls on one socket's own channel in one direction (the
 * calls of `InlineCalls.kt`): one object, made by the first call that waits and kept by the
 * [loop]'s key of the channel ([TransferLoop.viewHandoff]), serves every later call that waits,
 * so that waiting allocates nothing. It carries the call's stepping state (the reusable core
 * transfer, made anew for each call by [InlineSteps.move]), its view's buffers and JFR event,
 * and the caller's continuation, parked without a state machine or a cancellable continuation.
 * Once the loop ends the call, it gives the buffers back, records the event, marks the socket
 * broken after a send that ended part way, and resumes the caller with the result (a Long kept
 * boxed by [Boxes], or a frame's slice) or with the failure and its counts.
 *
 * Cancellation: the handoff registers with the caller's [Job] once (`invokeOnCompletion` with
 * `onCancelling`) and keeps that registration while the same Job calls again; another Job
 * replaces it, and the loop drops it with the key (the channel closed, or the loop's thread
 * stopped). The state ([state]: idle, claimed, submitted, parked, cancelling, ended) is one
 * atomic integer: a cancellation that comes before the caller parked is seen by the caller's
 * check of `Job.isActive` after parking, one that comes later by the handler, and the
 * compare-and-set lets exactly one of them ask the loop to stop. The loop stops stepping,
 * acknowledges by ending the call, and only then does the caller resume, with a
 * [TransferCancellationException] carrying the exact report. A coroutine without a Job
 * cannot be cancelled.
 *
 * One call at a time per direction: a call [claim]s the handoff before it steps with its
 * transfer, and one that finds it claimed makes its own (the loop then refuses the second
 * waiter with an IllegalStateException, as before).
 */
internal class ViewHandoff(channel: SocketChannel, ops: Int, val loop: TransferLoop) : Handoff(channel, ops) {

    private val state = AtomicInteger(IDLE)

    /** The core transfer of the last call, made anew for the next one; null before the first. */
    var transfer: Transfer? = null
        private set

    private var socket: Socket? = null
    private var view: ByteView? = null
    private var buffers: Array<ByteBuffer>? = null
    private var event: TransferEvent? = null
    private var mode = SEND
    /** What a count call returns (SEND, RECV); a frame receive's payload size once known. */
    private var count = 0L
    /** Whether a failure is to reach the caller as it is, not wrapped with the transfer's counts. */
    private var uncounted = false
    private var waiter: Continuation<Any?>? = null
    private var parkedJob: Job? = null
    private var outcome: Any? = null
    private var outcomeFailure: Throwable? = null

    /** The registration with the Job of the last caller that waited; guarded by this. */
    @Volatile private var watch: JobWatch? = null

    /** Where it is in its loop's list of kept handoffs, -1 if not there; the loop's thread only. */
    var keptIndex: Int = -1

    override val cancelled: Boolean
        get() = state.get() == CANCELLING && parkedJob?.isActive != true

    override val isDone: Boolean
        get() = when (state.get()) {
            SUBMITTED, PARKED, CANCELLING -> false
            else -> true
        }

    /** Takes it for one call; false if another call holds it. */
    fun claim(): Boolean = state.compareAndSet(IDLE, CLAIMED)

    /** Lets it go after a call that [claim]ed it and did not wait; its transfer keeps no buffers of that call. */
    fun release() {
        InlineSteps.letGo(transfer)
        state.set(IDLE)
    }

    /**
     * Parks [continuation] (the caller's) until the loop has finished [rest], the transfer of a
     * call of this [mode] that InlineSteps began over [view]'s [buffers]; returns its outcome
     * at once if the loop ended it before the caller could park. The handoff is claimed.
     */
    fun park(
        continuation: Continuation<Any?>, socket: Socket, view: ByteView, buffers: Array<ByteBuffer>, rest: Transfer,
        event: TransferEvent?, mode: Int, count: Long,
    ): Any? {
        this.socket = socket
        this.view = view
        this.buffers = buffers
        this.transfer = rest
        this.event = event
        this.mode = mode
        this.count = count
        uncounted = false
        // InlineSteps stops at a step that moved nothing (its only one) or after steps that all moved bytes.
        if (Tally.of(rest)!!.zeroReturns() > 0) {
            Tally.of(rest)!!.waited()
            Counters.waited()
        }
        val job = continuation.context[Job]
        parkedJob = job
        waiter = continuation.intercepted()
        try {
            if (job != null) watch(job)
            state.set(SUBMITTED)
            loop.submit(this)
        } catch (failure: Throwable) {
            // The loop never took it (a closed loop ends it through end() instead of throwing).
            settle(failure, finished = false)
            return collect()
        }
        if (state.compareAndSet(SUBMITTED, PARKED)) {
            if (job != null && !job.isActive) requestCancel()
            return COROUTINE_SUSPENDED
        }
        return collect()
    }

    /**
     * Asks the loop to stop a parked call; called by the handler and by a caller that parked
     * cancelled. Asking again is harmless (the loop skips what it has ended), and needed should
     * a stale handler have asked first: the loop ignores a request while the Job is active.
     */
    fun requestCancel() {
        if (state.compareAndSet(PARKED, CANCELLING) || state.get() == CANCELLING) loop.submit(this)
    }

    override fun stepUntilBlocked(): Boolean {
        var steps = 0
        while (true) {
            val transfer = transfer!!
            while (!transfer.isComplete) {
                if (cancelled) return false
                if (transfer.step() == 0L) {
                    if (transfer.isComplete) break
                    Tally.of(transfer)!!.waited()
                    Counters.waited()
                    return false
                }
                // Still ready, most likely: the next select reports it again, after the other ready channels.
                if (++steps == STEPS_PER_TURN && !transfer.isComplete) return false
            }
            if (mode != FRAME_HEADER || !startPayload()) return true
        }
    }

    /**
     * Goes on from a frame's header to its payload, stepping it here until it would block:
     * false if it is all in.
     */
    private fun startPayload(): Boolean {
        event?.finish(transfer!!.report())
        event = null
        val buffers = buffers!!
        val size = try {
            FrameReceiver.checkSize(ViewBuffers.header(buffers).getLong(0), FrameReceiver.intoLimit(view!!))
        } catch (failure: Throwable) {
            uncounted = true
            throw failure
        }
        ViewBuffers.limit(buffers, size.toLong())
        mode = FRAME_PAYLOAD
        count = size.toLong()
        val started = Jfr.start("recv")
        uncounted = true // InlineSteps' failures carry their counts and have recorded the event
        val rest = InlineSteps.move(
            channel, SelectionKey.OP_READ, buffers, ViewBuffers.FIRST, size.toLong(), STEPS_PER_TURN.toLong(),
            RECEIVED, FrameReceiver.PAYLOAD_BYTES, started, transfer,
        )
        uncounted = false
        if (rest == null || rest.isComplete) return false
        transfer = rest
        event = started
        if (Tally.of(rest)!!.zeroReturns() > 0) {
            Tally.of(rest)!!.waited()
            Counters.waited()
        }
        return true
    }

    override fun end(failure: Throwable?, finished: Boolean) {
        settle(failure, finished)
        while (true) {
            when (state.get()) {
                SUBMITTED -> if (state.compareAndSet(SUBMITTED, ENDED)) return
                PARKED, CANCELLING -> {
                    val waiter = waiter!!
                    val value = outcome
                    val thrown = outcomeFailure
                    clear()
                    state.set(IDLE)
                    waiter.resumeWith(if (thrown == null) Result.success(value) else Result.failure(thrown))
                    return
                }
                else -> throw IllegalStateException("a handoff ended in state ${state.get()}")
            }
        }
    }

    /** Finishes the call in the loop: its outcome into [outcome] or [outcomeFailure], its view's buffers given back. */
    private fun settle(failure: Throwable?, finished: Boolean) {
        val transfer = transfer!!
        val sending = mode == SEND
        try {
            if (finished) {
                outcome = if (mode == FRAME_PAYLOAD) view!!.slice(0, count) else Boxes.of(count)
            } else if (failure != null) {
                outcomeFailure = if (failure is IOException && !uncounted) withCounts(transfer, failure) else failure
            } else {
                Tally.of(transfer)?.ended()
                Counters.cancelled()
                val report = transfer.report()
                @OptIn(InternalCoroutinesApi::class)
                val cause = parkedJob?.let { if (it.isActive) null else it.getCancellationException() }
                val what = if (sending) SENT else RECEIVED
                outcomeFailure = TransferCancellationException(
                    "cancelled after ${report.transferred()} of ${report.byteCount()} $what", report, cause,
                )
            }
        } catch (thrown: Throwable) {
            outcome = null
            outcomeFailure = thrown
        } finally {
            if (!uncounted) event?.finish(transfer.report())
            if (!finished && sending && transfer.transferred() > 0) {
                markBroken(socket!!, transfer.transferred(), transfer.byteCount())
            }
            ViewBuffers.giveBack(view!!, buffers!!)
            InlineSteps.letGo(transfer)
        }
    }

    /** The outcome of a call the loop ended before it parked: returned, or thrown. */
    private fun collect(): Any? {
        val value = outcome
        val thrown = outcomeFailure
        clear()
        state.set(IDLE)
        if (thrown != null) throw thrown
        return value
    }

    /** Drops what the call held, so that the handoff keeps no view or caller alive between calls. */
    private fun clear() {
        socket = null
        view = null
        buffers = null
        event = null
        waiter = null
        parkedJob = null
        outcome = null
        outcomeFailure = null
    }

    /** Registers with [job], unless the last registration is its. */
    @OptIn(InternalCoroutinesApi::class)
    private fun watch(job: Job) {
        synchronized(this) {
            val current = watch
            if (current != null && current.job === job) return
            current?.dispose()
            val next = JobWatch(this, job)
            watch = next
            next.handle = job.invokeOnCompletion(onCancelling = true, invokeImmediately = true, handler = next)
        }
    }

    /**
     * Drops the Job registration, unless a call holds the handoff (which keeps it, and will be
     * kept again by the loop it goes to); called by the loop that forgets the handoff.
     */
    fun unwatch() {
        synchronized(this) {
            if (state.get() != IDLE) return
            watch?.dispose()
            watch = null
        }
    }

    /** One registration with a caller's Job: its handler asks the loop to stop the call parked by that Job. */
    private class JobWatch(private val handoff: ViewHandoff, val job: Job) : (Throwable?) -> Unit {
        var handle: DisposableHandle? = null

        init {
            live.incrementAndGet()
        }

        override fun invoke(cause: Throwable?) {
            if (handoff.watch === this) handoff.requestCancel()
        }

        fun dispose() {
            handle?.dispose()
            live.decrementAndGet()
        }
    }

    companion object {
        /** Job registrations not yet disposed, across every handoff; for tests. */
        val live = AtomicInteger()

        const val SEND_MODE = SEND
        const val RECV_MODE = RECV
        const val FRAME_HEADER_MODE = FRAME_HEADER
        const val FRAME_PAYLOAD_MODE = FRAME_PAYLOAD
    }
}
