package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FileMode
import dev.zerocopy.FileOptions
import dev.zerocopy.FileTransfer
import dev.zerocopy.Frames
import dev.zerocopy.Progress
import dev.zerocopy.Transfer
import dev.zerocopy.ViewPool
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.ktor.internal.KtorSink
import dev.zerocopy.ktor.internal.KtorSource
import dev.zerocopy.ktor.internal.checkNotBroken
import dev.zerocopy.ktor.internal.receiving
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.ByteWriteChannel
import java.nio.ReadOnlyBufferException
import java.nio.channels.FileChannel
import java.nio.file.Path
import java.nio.file.StandardOpenOption
import java.time.Duration

// The copy path: the same operations as on a Socket, for code that holds Ktor's
// ByteWriteChannel or ByteReadChannel (a TLS socket's, a socket whose channels are
// already open, an in-memory ByteChannel). Ktor buffers its channels in its own
// memory, so each byte is copied once between a view (or file) and Ktor's buffer;
// nothing else is copied and no thread is blocked. Sends flush the channel before
// they return.
//
// Each function states its cancellation contract in its KDoc.

/**
 * Sends every byte of [view] through this channel and flushes it. The view is only
 * read; many coroutines may send the same view to different channels at once.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. A send cancelled after some of its bytes went to the channel has left the
 * peer a partial message: the channel is marked broken and later sends through the
 * adapter on it throw an IOException. That includes a send cancelled in its final flush,
 * after every byte was handed to Ktor, since the caller cannot know how much the peer
 * will see. A cancelled call throws [TransferCancellationException], whose report counts
 * the bytes handed to Ktor. A channel that closes or fails while the call waits in it ends
 * the call with an IOException naming the bytes moved.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * channel stays open (but broken for sending, as after a cancellation).
 *
 * @return the bytes sent, always `view.size()`
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws java.io.IOException if the channel is closed or failed, or an earlier send on it broke
 */
public suspend fun ByteWriteChannel.sendFrom(view: ByteView, timeout: Duration? = null, progress: Progress? = null): Long =
    sendFrom(listOf(view), timeout, progress)

/**
 * Sends [views] one after another as one stream of bytes and flushes the channel.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. A send cancelled after some of its bytes went to the channel has left the
 * peer a partial message: the channel is marked broken and later sends through the
 * adapter on it throw an IOException. That includes a send cancelled in its final flush,
 * after every byte was handed to Ktor, since the caller cannot know how much the peer
 * will see. A cancelled call throws [TransferCancellationException], whose report counts
 * the bytes handed to Ktor. A channel that closes or fails while the call waits in it ends
 * the call with an IOException naming the bytes moved.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * channel stays open (but broken for sending, as after a cancellation).
 *
 * @return the bytes sent, always the sum of the views' sizes
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws java.io.IOException if the channel is closed or failed, or an earlier send on it broke
 */
public suspend fun ByteWriteChannel.sendFrom(
    views: List<ByteView>,
    timeout: Duration? = null,
    progress: Progress? = null,
): Long {
    checkNotBroken(this)
    val sink = KtorSink(this, "Ktor's write channel")
    return sink.drive(Transfer.send(sink, *views.toTypedArray()).progress(progress), timeout)
}

/**
 * Sends [payload] as one length-prefixed frame (an 8-byte big-endian size, then the
 * bytes; see [Frames]).
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. A send cancelled after some of its bytes went to the channel has left the
 * peer a partial message: the channel is marked broken and later sends through the
 * adapter on it throw an IOException. That includes a send cancelled in its final flush,
 * after every byte was handed to Ktor, since the caller cannot know how much the peer
 * will see. A channel that closes or fails while the call waits in it ends the call with
 * an IOException naming the bytes moved.
 *
 * @return the bytes sent, header included
 * @throws java.io.IOException if the channel is closed or failed, or an earlier send on it broke
 */
public suspend fun ByteWriteChannel.sendFrame(payload: ByteView): Long =
    sendFrom(listOf(Frames.header(payload.size()), payload))

/**
 * Sends [count] bytes of [file] from [offset] (-1: to the end of the file) through
 * this channel with the pooled copy loop, and flushes it. Positional: the file
 * channel's position is not used or changed. There is no zero-copy into a Ktor
 * channel, so `AUTO` and `ZERO_COPY` both run the copy loop, and the result's
 * [FileTransfer.fallbackReason] says why. The options' timeout bounds the whole call and
 * their progress follows it (see [dev.zerocopy.Progress]): either timeout ends the call with
 * a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes sent.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. A send cancelled after some of its bytes went to the channel has left the
 * peer a partial message: the channel is marked broken and later sends through the
 * adapter on it throw an IOException. That includes a send cancelled in its final flush,
 * after every byte was handed to Ktor, since the caller cannot know how much the peer
 * will see. The pooled buffer is returned either way. A channel that closes or fails
 * while the call waits in it ends the call with an IOException naming the bytes moved.
 *
 * @return the finished transfer: bytes sent, the mode that ran and the fallback reason
 * @throws IllegalArgumentException if the range is negative or reaches past the end of the file
 * @throws java.io.IOException if the file shrinks below the range, the channel is closed
 *   or failed, or an earlier send on it broke
 */
public suspend fun ByteWriteChannel.sendFile(
    file: FileChannel,
    offset: Long = 0,
    count: Long = -1,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer = sendFile(file, offset, count, options, "Ktor's write channel")

/**
 * Sends a range of the file at [path] through this channel, opening and closing the
 * file; see the [FileChannel] form.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. A send cancelled after some of its bytes went to the channel has left the
 * peer a partial message: the channel is marked broken and later sends through the
 * adapter on it throw an IOException. That includes a send cancelled in its final flush,
 * after every byte was handed to Ktor, since the caller cannot know how much the peer
 * will see. The pooled buffer is returned either way. A channel that closes or fails
 * while the call waits in it ends the call with an IOException naming the bytes moved.
 *
 * @return the finished transfer
 */
public suspend fun ByteWriteChannel.sendFile(
    path: Path,
    offset: Long = 0,
    count: Long = -1,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer = FileChannel.open(path, StandardOpenOption.READ).use { sendFile(it, offset, count, options) }

@JvmSynthetic // internal: kept out of Java's view of the public class
internal suspend fun ByteWriteChannel.sendFile(
    file: FileChannel,
    offset: Long,
    count: Long,
    options: FileOptions,
    description: String,
): FileTransfer {
    checkNotBroken(this)
    val sink = KtorSink(this, description)
    return FileTransfer.send(file, offset, count, sink, copyOnly(options)).use { transfer ->
        sink.drive(transfer, options.timeout())
        transfer
    }
}

/**
 * Fills [view] with exactly `view.size()` bytes from this channel.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled, the bytes that arrived are at the start of the view and the
 * channel stays usable for further receives; the [TransferCancellationException] thrown
 * counts them. A channel that closes or fails while the call waits in it ends the call
 * with an IOException naming the bytes moved.
 *
 * Timeout and progress: [timeout] (null: none) bounds the whole call and [progress]
 * (null: none) is told the bytes moved at its rate, its idle timeout ending the call if no
 * byte moves for that long, however long the whole call takes. Either timeout ends the call
 * with a [dev.zerocopy.TransferTimeoutException] whose report counts the bytes moved; the
 * channel stays open.
 *
 * @return the bytes received, always `view.size()`
 * @throws EndOfStreamException if the channel ends first; the bytes that arrived are
 *   at the start of the view
 * @throws dev.zerocopy.TransferTimeoutException if [timeout] or the idle timeout of [progress] expires
 * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
 * @throws java.io.IOException if the channel failed
 */
public suspend fun ByteReadChannel.recvInto(view: ByteView, timeout: Duration? = null, progress: Progress? = null): Long {
    val source = KtorSource(this, "Ktor's read channel")
    return source.drive(Transfer.receive(source, view).progress(progress), timeout)
}

/**
 * Receives what this channel has buffered into the start of [view], suspending
 * until it has at least one byte; at most `view.size()` bytes.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled, nothing was received and the channel stays usable. A channel
 * that closes or fails while the call waits in it ends the call with an IOException
 * naming the bytes moved.
 *
 * @return the bytes received, -1 at the end of stream, or 0 if the view is empty
 * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
 * @throws java.io.IOException if the channel failed
 */
public suspend fun ByteReadChannel.recvSome(view: ByteView): Int {
    if (view.isReadOnly) throw ReadOnlyBufferException()
    if (view.isEmpty) return 0
    return receiving().recvSome(view)
}

/**
 * Receives one frame into the start of [into] and returns the slice holding its payload.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled part way through a frame, the stream is left inside the frame
 * and the channel's framing is lost. A channel that closes or fails while the call waits
 * in it ends the call with an IOException naming the bytes moved.
 *
 * @return `into.slice(0, payloadSize)`, sharing content with [into]
 * @throws dev.zerocopy.FrameTooLargeException if the payload is larger than [into];
 *   the payload is still unread
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 * @throws ReadOnlyBufferException if [into] is read-only (nothing is read)
 */
public suspend fun ByteReadChannel.recvFrame(into: ByteView): ByteView {
    if (into.isReadOnly) throw ReadOnlyBufferException()
    return receiving().recvFrame(into)
}

/**
 * Receives one frame of at most [maxSize] payload bytes into a view made by
 * [allocator] (a new heap view by default), which is called only after the header
 * passed its checks. A [maxSize] above `Int.MAX_VALUE - 8` (2,147,483,639, the largest
 * array every JVM allocates) is taken as that.
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled part way through a frame, the stream is left inside the frame
 * and the channel's framing is lost. A channel that closes or fails while the call waits
 * in it ends the call with an IOException naming the bytes moved.
 *
 * @return a view of exactly the payload
 * @throws dev.zerocopy.FrameTooLargeException if the header declares more than [maxSize],
 *   or more than 2,147,483,639 bytes; the payload is still unread
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 */
public suspend fun ByteReadChannel.recvFrame(maxSize: Int, allocator: (Int) -> ByteView = ByteView::allocate): ByteView {
    return receiving().recvFrame(FrameReceiver.allocationLimit(maxSize), allocator)
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
 * Cancellation: cancellable while suspended in Ktor's channel or waiting for the pool,
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled part way through a frame, the stream is left inside the frame
 * and the channel's framing is lost. A channel that closes or fails while the call waits
 * in it ends the call with an IOException naming the bytes moved.
 *
 * @return a pooled view of exactly the payload
 * @throws dev.zerocopy.FrameTooLargeException if the header declares more than [maxSize]
 * @throws IllegalArgumentException if [maxSize] is negative or the payload cannot fit in the pool's bound
 * @throws java.net.ProtocolException if the header declares a negative size
 * @throws EndOfStreamException if the stream ends inside the header or the payload
 */
public suspend fun ByteReadChannel.recvFrame(maxSize: Int, pool: ViewPool): ByteView {
    FrameReceiver.checkMaxSize(maxSize)
    return receiving().recvFrame(maxSize, pool)
}

/**
 * Receives exactly [count] bytes from this channel into [file] from [offset] on,
 * with the pooled copy loop; the file grows as needed. Positional: the file
 * channel's position is not used or changed. The options' timeout bounds the whole call
 * and their progress follows it, as for [sendFile].
 *
 * Cancellation: cancellable while suspended in Ktor's channel (flush or awaitContent),
 * and so under `withTimeout`; cancellation is not checked when the call does not
 * suspend. If cancelled, the bytes received are in the file and the channel stays usable
 * for further receives. A channel that closes or fails while the call waits in it ends
 * the call with an IOException naming the bytes moved.
 *
 * @return the finished transfer
 * @throws IllegalArgumentException if [offset] or [count] is negative
 * @throws EndOfStreamException if the channel ends first; the bytes received are in the file
 * @throws java.io.IOException if the channel failed
 */
public suspend fun ByteReadChannel.recvFile(
    file: FileChannel,
    offset: Long,
    count: Long,
    options: FileOptions = FileOptions.defaults(),
): FileTransfer = recvFile(file, offset, count, options, "Ktor's read channel")

@JvmSynthetic // internal: kept out of Java's view of the public class
internal suspend fun ByteReadChannel.recvFile(
    file: FileChannel,
    offset: Long,
    count: Long,
    options: FileOptions,
    description: String,
): FileTransfer {
    val source = KtorSource(this, description)
    return FileTransfer.receive(source, file, offset, count, copyOnly(options)).use { transfer ->
        source.drive(transfer, options.timeout())
        transfer
    }
}

/** A Ktor channel has no file descriptor to hand the kernel: zero-copy means the copy loop, said so in the result. */
private fun copyOnly(options: FileOptions): FileOptions =
    if (options.mode() == FileMode.ZERO_COPY) options.withMode(FileMode.AUTO) else options
