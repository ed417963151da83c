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

// The view and frame calls on a socket's own channel without a timeout or a progress: they
// move the view's bytes through the buffers the view keeps for the next call (ViewBuffers),
// with the counts in locals (InlineSteps), and make a Transfer only once a step moves
// nothing. A call that never waits allocates nothing: every suspending call below is in
// tail position, so the compiler makes no state machine for the fast path either; the
// slow path (one Transfer, one continuation, one handoff to a transfer loop) is in the
// functions named `...AfterWait`, which give the buffers back once the loop is done.

/** Steps made in the caller before the rest goes to [drive], which yields between turns: at most 16 MiB. */
private const val INLINE_STEPS = 16L

private const val SENT = "bytes sent"
private const val RECEIVED = "bytes received"

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
    val event = Jfr.start("recv")
    val rest = stepInline(view, buffers, channel, SelectionKey.OP_READ, ViewBuffers.FIRST, view.size(), "bytes", event)
        ?: return giveBack(view, buffers, view.size())
    return finishAfterWait(socket, view, buffers, rest, event, view.size())
}

/** Receives one frame into the start of [into] (writable) from [channel], the own channel of [socket]. */
internal suspend fun recvFrameInline(socket: Socket, channel: SocketChannel, into: ByteView): ByteView {
    val buffers = ViewBuffers.claim(into)
    ViewBuffers.header(buffers)
    val event = Jfr.start("recv")
    val rest = stepInline(
        into, buffers, channel, SelectionKey.OP_READ, ViewBuffers.HEADER, Frames.HEADER_SIZE.toLong(),
        FrameReceiver.HEADER_BYTES, event,
    ) ?: return recvPayload(socket, channel, into, buffers)
    return recvFrameAfterWait(socket, channel, into, buffers, rest, event)
}

private suspend fun sendClaimed(
    socket: Socket, channel: SocketChannel, view: ByteView, buffers: Array<ByteBuffer>, from: Int, byteCount: Long,
): Long {
    val event = Jfr.start("send")
    val rest = try {
        stepInline(view, buffers, channel, SelectionKey.OP_WRITE, from, byteCount, null, event)
    } catch (failure: IOException) {
        // The peer may have seen part of the message.
        val sent = (failure as? TransferException)?.report()?.transferred() ?: 0L
        if (sent > 0) markBroken(socket, sent, byteCount)
        throw failure
    } ?: return giveBack(view, buffers, byteCount)
    return finishAfterWait(socket, view, buffers, rest, event, byteCount)
}

/**
 * [InlineSteps.move] over [buffers] of [view]: null if every byte moved (the buffers given
 * back), else the transfer to carry on, which still holds them. A failure gives them back.
 */
private fun stepInline(
    view: ByteView, buffers: Array<ByteBuffer>, channel: SocketChannel, ops: Int, from: Int, byteCount: Long,
    endOfStream: String?, event: TransferEvent?,
): Transfer? {
    val rest = try {
        val what = if (ops == SelectionKey.OP_WRITE) SENT else RECEIVED
        InlineSteps.move(channel, ops, buffers, from, byteCount, INLINE_STEPS, what, endOfStream, event)
    } catch (failure: Throwable) {
        ViewBuffers.giveBack(view, buffers)
        throw failure
    }
    return if (rest == null || rest.isComplete) null else rest
}

/** Receives the payload of a frame whose header is in [buffers]' header slot. */
private suspend fun recvPayload(socket: Socket, channel: SocketChannel, into: ByteView, buffers: Array<ByteBuffer>): ByteView {
    val size = try {
        FrameReceiver.checkSize(ViewBuffers.header(buffers).getLong(0), FrameReceiver.intoLimit(into)).also {
            ViewBuffers.limit(buffers, it.toLong())
        }
    } catch (failure: Throwable) {
        ViewBuffers.giveBack(into, buffers)
        throw failure
    }
    val event = Jfr.start("recv")
    val rest = stepInline(
        into, buffers, channel, SelectionKey.OP_READ, ViewBuffers.FIRST, size.toLong(), FrameReceiver.PAYLOAD_BYTES, event,
    ) ?: return giveBack(into, buffers, into.slice(0, size.toLong()))
    return recvPayloadAfterWait(socket, into, buffers, rest, event, size)
}

private fun <T> giveBack(view: ByteView, buffers: Array<ByteBuffer>, result: T): T {
    ViewBuffers.giveBack(view, buffers)
    return result
}

/** Has the socket's transfer loop finish [rest], then gives [view]'s [buffers] back; returns [byteCount]. */
private suspend fun finishAfterWait(
    socket: Socket, view: ByteView, buffers: Array<ByteBuffer>, rest: Transfer, event: TransferEvent?, byteCount: Long,
): Long {
    try {
        carryOn(socket, rest, event)
        return byteCount
    } finally {
        ViewBuffers.giveBack(view, buffers)
    }
}

private suspend fun recvFrameAfterWait(
    socket: Socket, channel: SocketChannel, into: ByteView, buffers: Array<ByteBuffer>, header: Transfer,
    event: TransferEvent?,
): ByteView {
    try {
        carryOn(socket, header, event)
    } catch (failure: Throwable) {
        ViewBuffers.giveBack(into, buffers)
        throw failure
    }
    return recvPayload(socket, channel, into, buffers)
}

private suspend fun recvPayloadAfterWait(
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
