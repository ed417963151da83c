package dev.zerocopy.ktor.internal

import dev.zerocopy.ByteView
import dev.zerocopy.Frames
import dev.zerocopy.Transfer
import dev.zerocopy.TransferException
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.internal.InlineSteps
import dev.zerocopy.internal.Jfr
import dev.zerocopy.internal.Tally
import dev.zerocopy.internal.TransferEvent
import dev.zerocopy.internal.ViewBuffers
import io.ktor.network.selector.SelectInterest
import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.Socket
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.ReadOnlyBufferException
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import kotlin.coroutines.Continuation
import kotlin.coroutines.intrinsics.suspendCoroutineUninterceptedOrReturn

// The view and frame calls on a socket's own channel without a timeout or a progress: they
// move the view's bytes through the buffers the view keeps for the next call (ViewBuffers),
// with the counts in locals (InlineSteps). A call that has to wait hands the rest to the
// socket's ViewHandoff for its direction, which the transfer loop keeps with the channel's
// key from one call to the next, and parks the caller's own continuation in it: the core
// transfer, the handoff, the Job registration and the continuation are all reused, so a
// call allocates nothing in steady state, whether it waits or not (a received frame's slice
// aside). Every suspending call below is in tail position and the last one is
// suspendCoroutineUninterceptedOrReturn, so the compiler makes no state machine on this path;
// the Long results come boxed from Boxes. The loop ends the call (buffers given back, event
// recorded, a broken send marked) and resumes the caller. With the loops off, or with a
// busy-poll, a call that waits takes the allocating path of drive() instead (`...OnSelector`).

/** Steps made in the caller before the rest goes to [drive], which yields between turns: at most 16 MiB. */
private const val INLINE_STEPS = 16L

internal const val SENT = "bytes sent"
internal const val RECEIVED = "bytes received"

/**
 * Returns the socket's own channel for [interest], or null if the adapter cannot drive it
 * (see [nioSideOf]); allocates nothing.
 *
 * @throws IllegalStateException if Ktor's own channel for that direction was opened on the socket
 */
internal fun ownChannel(socket: Socket, interest: SelectInterest): SocketChannel? {
    if (fallbackReason(socket) != null) return null
    checkOwner(socket, interest)
    return (socket as Selectable).channel as SocketChannel
}

/** Sends every byte of [view] on [channel], the own channel of [socket], which is not broken. */
internal suspend fun sendViewInline(socket: Socket, channel: SocketChannel, view: ByteView): Long {
    val buffers = ViewBuffers.claim(view)
    return sendClaimed(socket, channel, view, buffers, ViewBuffers.FIRST, view.size())
}

/** Sends [payload] as one frame on [channel], the own channel of [socket], which is not broken. */
internal suspend fun sendFrameInline(socket: Socket, channel: SocketChannel, payload: ByteView): Long {
    val buffers = ViewBuffers.claim(payload)
    ViewBuffers.header(buffers).putLong(0, payload.size())
    return sendClaimed(socket, channel, payload, buffers, ViewBuffers.HEADER, Frames.HEADER_SIZE + payload.size())
}

/**
 * Fills [view] from [channel], the own channel of [socket].
 *
 * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
 */
internal suspend fun recvViewInline(socket: Socket, channel: SocketChannel, view: ByteView): Long {
    if (view.isReadOnly) throw ReadOnlyBufferException()
    val buffers = ViewBuffers.claim(view)
    val kept = keptHandoff(channel, SelectionKey.OP_READ)
    val event = Jfr.start("recv")
    val rest = stepInline(
        view, buffers, channel, SelectionKey.OP_READ, ViewBuffers.FIRST, view.size(), "bytes", event, kept,
    ) ?: return countDone(kept, view, buffers, view.size())
    val loops = TransferLoops.forViews ?: return finishOnSelector(socket, view, buffers, rest, event, view.size())
    return waitIn(
        handoffFor(kept, loops, channel, SelectionKey.OP_READ),
        socket, view, buffers, rest, event, ViewHandoff.RECV_MODE, view.size(),
    )
}

/** Receives one frame into the start of [into] (writable) from [channel], the own channel of [socket]. */
internal suspend fun recvFrameInline(socket: Socket, channel: SocketChannel, into: ByteView): ByteView {
    val buffers = ViewBuffers.claim(into)
    ViewBuffers.header(buffers)
    val kept = keptHandoff(channel, SelectionKey.OP_READ)
    val event = Jfr.start("recv")
    val rest = stepInline(
        into, buffers, channel, SelectionKey.OP_READ, ViewBuffers.HEADER, Frames.HEADER_SIZE.toLong(),
        FrameReceiver.HEADER_BYTES, event, kept,
    ) ?: return recvPayload(socket, channel, into, buffers, kept)
    val loops = TransferLoops.forViews ?: return recvFrameOnSelector(socket, channel, into, buffers, rest, event)
    return waitIn(
        handoffFor(kept, loops, channel, SelectionKey.OP_READ),
        socket, into, buffers, rest, event, ViewHandoff.FRAME_HEADER_MODE, 0,
    )
}

private suspend fun sendClaimed(
    socket: Socket, channel: SocketChannel, view: ByteView, buffers: Array<ByteBuffer>, from: Int, byteCount: Long,
): Long {
    val kept = keptHandoff(channel, SelectionKey.OP_WRITE)
    val event = Jfr.start("send")
    val rest = try {
        stepInline(view, buffers, channel, SelectionKey.OP_WRITE, from, byteCount, null, event, kept)
    } catch (failure: IOException) {
        // The peer may have seen part of the message.
        val sent = (failure as? TransferException)?.report()?.transferred() ?: 0L
        if (sent > 0) markBroken(socket, sent, byteCount)
        throw failure
    } ?: return countDone(kept, view, buffers, byteCount)
    val loops = TransferLoops.forViews ?: return finishOnSelector(socket, view, buffers, rest, event, byteCount)
    return waitIn(
        handoffFor(kept, loops, channel, SelectionKey.OP_WRITE),
        socket, view, buffers, rest, event, ViewHandoff.SEND_MODE, byteCount,
    )
}

/** The handoff kept for [channel] and [ops], claimed for this call; null if there is none or another call holds it. */
private fun keptHandoff(channel: SocketChannel, ops: Int): ViewHandoff? =
    TransferLoops.forViews?.viewHandoff(channel, ops)?.takeIf { it.claim() }

/** [kept], or a new handoff (claimed) with the loop that steps [channel]'s transfers. */
private fun handoffFor(kept: ViewHandoff?, loops: TransferLoops, channel: SocketChannel, ops: Int): ViewHandoff =
    kept ?: ViewHandoff(channel, ops, loops.loopFor(channel)).also { it.claim() }

/**
 * [InlineSteps.move] over [buffers] of [view], made with [kept]'s transfer if there is one: null if
 * every byte moved (the buffers not yet given back), else the transfer to carry on, which holds
 * them. A failure gives them back and lets [kept] go.
 */
private fun stepInline(
    view: ByteView, buffers: Array<ByteBuffer>, channel: SocketChannel, ops: Int, from: Int, byteCount: Long,
    endOfStream: String?, event: TransferEvent?, kept: ViewHandoff?,
): Transfer? {
    val rest = try {
        val what = if (ops == SelectionKey.OP_WRITE) SENT else RECEIVED
        InlineSteps.move(channel, ops, buffers, from, byteCount, INLINE_STEPS, what, endOfStream, event, kept?.transfer)
    } catch (failure: Throwable) {
        kept?.release()
        ViewBuffers.giveBack(view, buffers)
        throw failure
    }
    return if (rest == null || rest.isComplete) null else rest
}

/** Receives the payload of a frame whose header is in [buffers]' header slot. */
private suspend fun recvPayload(
    socket: Socket, channel: SocketChannel, into: ByteView, buffers: Array<ByteBuffer>, kept: ViewHandoff?,
): ByteView {
    val size = try {
        FrameReceiver.checkSize(ViewBuffers.header(buffers).getLong(0), FrameReceiver.intoLimit(into)).also {
            ViewBuffers.limit(buffers, it.toLong())
        }
    } catch (failure: Throwable) {
        kept?.release()
        ViewBuffers.giveBack(into, buffers)
        throw failure
    }
    val event = Jfr.start("recv")
    val rest = stepInline(
        into, buffers, channel, SelectionKey.OP_READ, ViewBuffers.FIRST, size.toLong(), FrameReceiver.PAYLOAD_BYTES,
        event, kept,
    ) ?: return frameDone(kept, into, buffers, size)
    val loops = TransferLoops.forViews ?: return recvPayloadOnSelector(socket, into, buffers, rest, event, size)
    return waitIn(
        handoffFor(kept, loops, channel, SelectionKey.OP_READ),
        socket, into, buffers, rest, event, ViewHandoff.FRAME_PAYLOAD_MODE, size.toLong(),
    )
}

/** Ends a call that did not wait: lets [kept] go, gives the buffers back, returns [count] in a kept box. */
private suspend inline fun countDone(
    kept: ViewHandoff?, view: ByteView, buffers: Array<ByteBuffer>, count: Long,
): Long {
    kept?.release()
    ViewBuffers.giveBack(view, buffers)
    return suspendCoroutineUninterceptedOrReturn { Boxes.of(count) }
}

private fun frameDone(kept: ViewHandoff?, into: ByteView, buffers: Array<ByteBuffer>, size: Int): ByteView {
    kept?.release()
    ViewBuffers.giveBack(into, buffers)
    return into.slice(0, size.toLong())
}

/**
 * Parks the caller in [handoff] until its loop finished [rest], the transfer of a call of [mode]
 * over [view]; returns what the loop resumes it with: the count for a send or receive, the
 * payload's slice for a frame.
 */
@Suppress("UNCHECKED_CAST")
private suspend fun <T> waitIn(
    handoff: ViewHandoff, socket: Socket, view: ByteView, buffers: Array<ByteBuffer>, rest: Transfer,
    event: TransferEvent?, mode: Int, count: Long,
): T = suspendCoroutineUninterceptedOrReturn { continuation ->
    handoff.park(continuation as Continuation<Any?>, socket, view, buffers, rest, event, mode, count)
}

// The path of a call that waits with the loops off or with a busy-poll: drive() on the socket's NIO side.

private fun <T> giveBack(view: ByteView, buffers: Array<ByteBuffer>, result: T): T {
    ViewBuffers.giveBack(view, buffers)
    return result
}

/** Drives [rest] to its end on the socket's NIO side, then gives [view]'s [buffers] back; returns [byteCount]. */
private suspend fun finishOnSelector(
    socket: Socket, view: ByteView, buffers: Array<ByteBuffer>, rest: Transfer, event: TransferEvent?, byteCount: Long,
): Long {
    try {
        carryOn(socket, rest, event)
        return byteCount
    } finally {
        ViewBuffers.giveBack(view, buffers)
    }
}

private suspend fun recvFrameOnSelector(
    socket: Socket, channel: SocketChannel, into: ByteView, buffers: Array<ByteBuffer>, header: Transfer,
    event: TransferEvent?,
): ByteView {
    try {
        carryOn(socket, header, event)
    } catch (failure: Throwable) {
        ViewBuffers.giveBack(into, buffers)
        throw failure
    }
    return recvPayload(socket, channel, into, buffers, null)
}

private suspend fun recvPayloadOnSelector(
    socket: Socket, into: ByteView, buffers: Array<ByteBuffer>, payload: Transfer, event: TransferEvent?, size: Int,
): ByteView {
    try {
        carryOn(socket, payload, event)
        return into.slice(0, size.toLong())
    } finally {
        ViewBuffers.giveBack(into, buffers)
    }
}

/**
 * Drives [rest], which [InlineSteps] began, to its end, waiting first if its last step moved
 * nothing; returns the bytes it moved from here.
 */
private suspend fun carryOn(socket: Socket, rest: Transfer, event: TransferEvent?): Long {
    val interest = if (rest.interestOps() == SelectionKey.OP_WRITE) SelectInterest.WRITE else SelectInterest.READ
    val side = nioSideOf(socket, interest)!!
    // InlineSteps stops at a step that moved nothing (its only one) or after INLINE_STEPS that all moved bytes.
    val waitFirst = Tally.of(rest)!!.zeroReturns() > 0
    return drive(socket, rest, waitFirst = waitFirst, event = event, await = side.waitFor(rest))
}
