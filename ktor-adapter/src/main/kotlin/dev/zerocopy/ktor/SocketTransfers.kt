package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FileOptions
import dev.zerocopy.FileTransfer
import dev.zerocopy.Frames
import dev.zerocopy.Progress
import dev.zerocopy.Transfer
import dev.zerocopy.ViewPool
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.ktor.internal.Receiving
import dev.zerocopy.ktor.internal.checkNotBroken
import dev.zerocopy.ktor.internal.drive
import dev.zerocopy.ktor.internal.fallbackDescription
import dev.zerocopy.ktor.internal.fallbackReadChannel
import dev.zerocopy.ktor.internal.fallbackWriteChannel
import dev.zerocopy.ktor.internal.nioSideOf
import dev.zerocopy.ktor.internal.ownChannel
import dev.zerocopy.ktor.internal.recvFrameInline
import dev.zerocopy.ktor.internal.recvViewInline
import dev.zerocopy.ktor.internal.sendFrameInline
import dev.zerocopy.ktor.internal.sendViewInline
import dev.zerocopy.ktor.internal.receiving
import io.ktor.network.selector.SelectInterest
import io.ktor.network.sockets.Socket
import java.nio.ReadOnlyBufferException
import java.nio.channels.FileChannel
import java.nio.file.Path
import java.nio.file.StandardOpenOption
import java.time.Duration

// Every function here steps a core Transfer on the socket's own NIO channel in the
// caller's coroutine; once a step moves nothing, the call suspends and one of the
// adapter's transfer loops (internal/TransferLoops.kt: min(2, cores) daemon threads,
// each with its own java.nio Selector, sockets sharded among them) steps the transfer
// on readiness until it ends, then resumes the caller once. No thread is blocked,
// nothing is copied through a ByteArray, thousands of transfers share the loops, and
// the caller pays one resumption per call instead of one per wait on Ktor's selector.
// The socket's own SelectorManager (Ktor's ordinary one too) keeps its registration;
// `-Ddev.zerocopy.ktor.loops=0` turns the loops off and suspends on it at every wait.
//
// A socket the adapter cannot drive that way (one that is not Selectable, like a TLS
// socket) goes through Ktor's read and write channels instead, opened by the adapter
// once per socket: the copy path of ChannelTransfers.kt. sendFile then reports COPY
// and why. Do not also open Ktor's channels on such a socket.
//
// One owner per direction: after openReadChannel() (or openWriteChannel()) on a Ktor
// NIO socket, Ktor's coroutine reads (or writes) it, so the adapter's receives (or
// sends) on the socket throw IllegalStateException; the other direction stays free.
// The check runs when a call starts: opening Ktor's channel while an adapter call is
// under way is not caught, and Ktor's TLS socket keeps no record to check at all.
//
// Each function states its cancellation contract in its KDoc. A call cancelled while it
// moves bytes throws a TransferCancellationException carrying the transfer's report, so
// code that catches it inside the cancelled coroutine learns the counts.
// A socket that fails or is closed during a call (a peer reset, say) ends it with a
// dev.zerocopy.TransferException that names the bytes moved and expected and keeps
// Ktor's or the JDK's exception as its cause.

/**
 * Sends every byte of [view] to this socket, looping over partial writes of at most
 * about 1 MiB. The view is only read; many coroutines may send the same view at once.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. A send
 * cancelled after some of its bytes went out has left the peer a partial message: the
 * socket is marked broken and later sends on it throw an IOException. A cancelled call
 * throws [TransferCancellationException], whose report counts the bytes sent. Closing the
 * socket while the call is suspended ends it with an IOException naming the bytes sent.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * listener runs in the caller until the socket would block, then on one of the adapter's
 * transfer-loop threads (keep it short: it holds up that loop's other sockets); the
 * socket stays open (a send that moved some bytes marks it broken, as a cancellation does).
 *
 * @return the bytes sent, always `view.size()`
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws java.io.IOException if the socket fails or closes, or an earlier send on it broke
 */
public suspend fun Socket.sendFrom(view: ByteView, timeout: Duration? = null, progress: Progress? = null): Long {
    val channel = if (timeout == null && progress == null) ownChannel(this, SelectInterest.WRITE) else null
    if (channel == null) return sendFrom(listOf(view), timeout, progress)
    checkNotBroken(this)
    return sendViewInline(this, channel, view)
}

/**
 * Sends [views] one after another as one stream of bytes, with as few gathering
 * writes as possible (up to 1024 views and about 1 MiB per call), copying nothing.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. A send
 * cancelled after some of its bytes went out has left the peer a partial message: the
 * socket is marked broken and later sends on it throw an IOException. A cancelled call
 * throws [TransferCancellationException], whose report counts the bytes sent. Closing the
 * socket while the call is suspended ends it with an IOException naming the bytes sent.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * listener runs in the caller until the socket would block, then on one of the adapter's
 * transfer-loop threads (keep it short: it holds up that loop's other sockets); the
 * socket stays open (a send that moved some bytes marks it broken, as a cancellation does).
 *
 * @return the bytes sent, always the sum of the views' sizes
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws java.io.IOException if the socket fails or closes, or an earlier send on it broke
 */
public suspend fun Socket.sendFrom(views: List<ByteView>, timeout: Duration? = null, progress: Progress? = null): Long {
    val side = nioSideOf(this, SelectInterest.WRITE)
        ?: return fallbackWriteChannel(this).sendFrom(views, timeout, progress)
    checkNotBroken(this)
    return side.drive(this, Transfer.send(side.channel, *views.toTypedArray()).progress(progress), timeout)
}

/**
 * Fills [view] with exactly `view.size()` bytes from this socket.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled, the bytes that arrived are at the start of the view and the socket stays
 * usable for further receives; the [TransferCancellationException] thrown counts them.
 * Closing the socket while the call is suspended ends it with an IOException naming the
 * bytes received.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * listener runs in the caller until the socket would block, then on one of the adapter's
 * transfer-loop threads (keep it short: it holds up that loop's other sockets); the
 * socket stays open.
 *
 * @return the bytes received, always `view.size()`
 * @throws EndOfStreamException if the peer ends the stream first; the bytes that
 *   arrived are at the start of the view
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
 * @throws java.io.IOException if the socket fails or closes
 */
public suspend fun Socket.recvInto(view: ByteView, timeout: Duration? = null, progress: Progress? = null): Long {
    if (timeout == null && progress == null) {
        val channel = ownChannel(this, SelectInterest.READ)
        if (channel != null) return recvViewInline(this, channel, view)
    }
    val side = nioSideOf(this, SelectInterest.READ)
        ?: return fallbackReadChannel(this).recvInto(view, timeout, progress)
    return side.drive(this, Transfer.receive(side.channel, view).progress(progress), timeout)
}

/**
 * Receives what one read gives into the start of [view]: at least one byte and at
 * most `min(view.size(), 1 MiB)`, suspending until the socket has data.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled, nothing was received and the socket stays usable. Closing the socket while
 * the call is suspended ends it with an IOException naming the bytes received.
 *
 * @return the bytes received, -1 at the end of stream, or 0 if the view is empty
 * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
 * @throws java.io.IOException if the socket fails or closes
 */
public suspend fun Socket.recvSome(view: ByteView): Int {
    if (view.isReadOnly) throw ReadOnlyBufferException()
    if (view.isEmpty) return 0
    return receiving().recvSome(view)
}

/**
 * Sends [payload] as one length-prefixed frame (an 8-byte big-endian size, then the
 * bytes; see [Frames]) in one gathering write.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. A send
 * cancelled after some of its bytes went out has left the peer a partial message: the
 * socket is marked broken and later sends on it throw an IOException. Closing the socket
 * while the call is suspended ends it with an IOException naming the bytes sent.
 *
 * @return the bytes sent, header included
 * @throws java.io.IOException if the socket fails or closes, or an earlier send on it broke
 */
public suspend fun Socket.sendFrame(payload: ByteView): Long {
    val channel = ownChannel(this, SelectInterest.WRITE)
        ?: return sendFrom(listOf(Frames.header(payload.size()), payload))
    checkNotBroken(this)
    return sendFrameInline(this, channel, payload)
}

/**
 * Receives one frame into the start of [into] and returns the slice holding its payload.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled part way through a frame, the stream is left inside the frame and the
 * connection's framing is lost: close the socket. Closing the socket while the call is
 * suspended ends it with an IOException naming the bytes received.
 *
 * @return `into.slice(0, payloadSize)`, sharing content with [into]
 * @throws dev.zerocopy.FrameTooLargeException if the payload is larger than [into];
 *   the payload is still unread
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 * @throws ReadOnlyBufferException if [into] is read-only (nothing is read)
 */
public suspend fun Socket.recvFrame(into: ByteView): ByteView {
    if (into.isReadOnly) throw ReadOnlyBufferException()
    val channel = ownChannel(this, SelectInterest.READ) ?: return receiving().recvFrame(into)
    return recvFrameInline(this, channel, into)
}

/**
 * Receives one frame of at most [maxSize] payload bytes into a view made by
 * [allocator] (a new heap view by default), which is called only after the header
 * passed its checks. A [maxSize] above `Int.MAX_VALUE - 8` (2,147,483,639, the largest
 * array every JVM allocates) is taken as that.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled part way through a frame, the stream is left inside the frame and the
 * connection's framing is lost: close the socket. Closing the socket while the call is
 * suspended ends it with an IOException naming the bytes received.
 *
 * @return a view of exactly the payload
 * @throws dev.zerocopy.FrameTooLargeException if the header declares more than [maxSize],
 *   or more than 2,147,483,639 bytes; the payload is still unread
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 */
public suspend fun Socket.recvFrame(maxSize: Int, allocator: (Int) -> ByteView = ByteView::allocate): ByteView {
    val limit = FrameReceiver.allocationLimit(maxSize)
    return receiving().recvFrame(limit, allocator)
}

/**
 * Receives one frame of at most [maxSize] payload bytes into a view of exactly the
 * payload's size acquired from [pool] after the header passed its checks,
 * suspending (never blocking a thread) while the pool is at its bound.
 *
 * The caller owns the returned view and must close it once done (`use { }`); its
 * slices are valid only until then. If the payload fails to arrive, or the call is
 * cancelled, the view goes back to the pool.
 *
 * Cancellation: cancellable while suspended waiting for the socket or the pool, and so
 * under `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled part way through a frame, the stream is left inside the frame and the
 * connection's framing is lost: close the socket. Closing the socket while the call is
 * suspended ends it with an IOException naming the bytes received.
 *
 * @return a pooled view of exactly the payload
 * @throws dev.zerocopy.FrameTooLargeException if the header declares more than [maxSize]
 * @throws IllegalArgumentException if [maxSize] is negative or the payload cannot fit in the pool's bound
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 */
public suspend fun Socket.recvFrame(maxSize: Int, pool: ViewPool): ByteView {
    FrameReceiver.checkMaxSize(maxSize)
    return receiving().recvFrame(maxSize, pool)
}

/** The receives of this socket: on its own channel, or on Ktor's read channel if the adapter cannot drive it. */
private fun Socket.receiving(): Receiving {
    val side = nioSideOf(this, SelectInterest.READ) ?: return fallbackReadChannel(this).receiving()
    return Receiving(this, side.channel, side) { side.await(SelectInterest.READ) }
}

/**
 * Sends [count] bytes of [file] from [offset] (-1: to the end of the file) to this
 * socket, by zero-copy or the pooled copy loop as [options] and the rule on
 * [FileTransfer] decide. Positional: the channel's position is not used or changed.
 * The options' timeout bounds the whole call and their progress follows it (see
 * [dev.zerocopy.Progress]; its listener runs in the caller until the socket would block,
 * then on one of the adapter's transfer-loop threads): either timeout ends the call with a
 * [dev.zerocopy.TransferTimeoutException] whose report counts the bytes sent, and leaves
 * the socket open but broken for sending.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. A send
 * cancelled after some of its bytes went out has left the peer a partial message: the
 * socket is marked broken and later sends on it throw an IOException. The pooled buffer
 * is returned either way. A cancelled call throws [TransferCancellationException], whose
 * report counts the bytes sent by each mode. Closing the socket while the call is
 * suspended ends it with an IOException naming the bytes sent.
 *
 * @return the finished transfer: bytes sent, the mode that ran and any fallback reason
 *   ([FileTransfer.report] has them all)
 * @throws dev.zerocopy.TransferTimeoutException if the options' timeout or idle timeout expires
 * @throws IllegalArgumentException if the range is negative or reaches past the end of the file
 * @throws java.io.IOException if the file shrinks below the range, the socket fails or
 *   closes, or an earlier send on it broke
 */
public suspend fun Socket.sendFile(
    file: FileChannel,
    offset: Long = 0,
    count: Long = -1,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer {
    val side = nioSideOf(this, SelectInterest.WRITE)
        ?: return fallbackWriteChannel(this).sendFile(file, offset, count, options, fallbackDescription(this, "write"))
    checkNotBroken(this)
    return FileTransfer.send(file, offset, count, side.channel, options).use { transfer ->
        side.drive(this, transfer, options.timeout())
        transfer
    }
}

/**
 * Sends a range of the file at [path], opening and closing it; see the [FileChannel] form.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. A send
 * cancelled after some of its bytes went out has left the peer a partial message: the
 * socket is marked broken and later sends on it throw an IOException. The pooled buffer
 * is returned either way. Closing the socket while the call is suspended ends it with an
 * IOException naming the bytes sent.
 *
 * @return the finished transfer
 */
public suspend fun Socket.sendFile(
    path: Path,
    offset: Long = 0,
    count: Long = -1,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer = FileChannel.open(path, StandardOpenOption.READ).use { sendFile(it, offset, count, options) }

/**
 * Receives exactly [count] bytes from this socket into [file] from [offset] on; the
 * file grows as needed. Positional: the channel's position is not used or changed.
 * The options' timeout bounds the whole call and their progress follows it, as for
 * [sendFile]; the socket stays open after a timeout.
 *
 * Cancellation: cancellable while suspended waiting for the socket, and so under
 * `withTimeout`; cancellation is not checked when the call does not suspend. If
 * cancelled, the bytes received are in the file and the socket stays usable for further
 * receives; the [TransferCancellationException] thrown counts them. Closing the socket
 * while the call is suspended ends it with an IOException naming the bytes received.
 *
 * @return the finished transfer ([FileTransfer.report] says what it did)
 * @throws dev.zerocopy.TransferTimeoutException if the options' timeout or idle timeout expires
 * @throws EndOfStreamException if the peer ends the stream first; the bytes received are in the file
 * @throws java.io.IOException if the socket fails or closes
 */
public suspend fun Socket.recvFile(
    file: FileChannel,
    offset: Long,
    count: Long,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer {
    val side = nioSideOf(this, SelectInterest.READ)
        ?: return fallbackReadChannel(this).recvFile(file, offset, count, options, fallbackDescription(this, "read"))
    return FileTransfer.receive(side.channel, file, offset, count, options).use { transfer ->
        side.drive(this, transfer, options.timeout())
        transfer
    }
}
