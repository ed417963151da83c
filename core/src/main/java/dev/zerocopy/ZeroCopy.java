package dev.zerocopy;

import dev.zerocopy.internal.Blocking;
import dev.zerocopy.internal.Deadline;
import dev.zerocopy.internal.ViewReceiver;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.List;

/**
 * Sends and receives whole {@link ByteView}s over channels: the JVM form of the
 * {@code send_from}/{@code recv_into} recipe, in which a view is moved through a
 * socket by repeated partial writes or reads, each continuing where the last
 * stopped, without ever copying the bytes.
 *
 * <p><b>Blocking behaviour.</b> Every method here returns only when it is done.
 * On a blocking channel each call blocks as the channel does. On a non-blocking
 * {@link java.nio.channels.SelectableChannel} the loop waits for readiness with
 * a private {@link java.nio.channels.Selector} whenever the channel would block,
 * so the thread sleeps instead of spinning. A channel that is neither (a custom
 * channel that may report zero progress) is retried after short pauses of at
 * most 1 ms. To drive the same work from an event loop instead, use
 * {@link Transfer}, the resumable step these loops are built on.
 *
 * <p><b>Timeouts</b> bound the whole call and need a non-blocking channel (a
 * timeout with a blocking {@code SelectableChannel} is an
 * {@link IllegalArgumentException}, since nothing could interrupt its calls).
 * When one expires, {@link TransferTimeoutException} says how many bytes moved.
 *
 * <p><b>Partial transfers.</b> A receive that fails (end of stream, timeout,
 * interrupt, I/O error) leaves the bytes that arrived at the start of the view
 * and the rest untouched. A send that fails has put some bytes on the wire; the
 * peer has seen a partial message. Interrupting a thread blocked in a channel
 * call closes the channel, as {@link java.nio.channels.InterruptibleChannel} says;
 * interrupting one that waits for readiness throws
 * {@link java.io.InterruptedIOException} and leaves the channel open.
 *
 * <p>All methods are thread-safe in the sense that they keep no shared state;
 * two threads must not send on (or receive from) one channel at once, as with
 * any stream.
 */
public final class ZeroCopy {

    private ZeroCopy() {
    }

    /**
     * Sends every byte of {@code view} to {@code target}, looping over partial
     * writes of at most about 1 MiB each. The view is read, never modified, and
     * other threads may send it at the same time.
     *
     * @param target the channel to write to
     * @param view the bytes to send
     * @return the bytes sent, always {@code view.size()}
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, ByteView view) throws IOException {
        return Blocking.complete(Transfer.send(target, view), target, Deadline.NONE, "bytes sent");
    }

    /**
     * Sends every byte of {@code view} to a non-blocking {@code target} within {@code timeout}.
     *
     * @param target a non-blocking channel
     * @param view the bytes to send
     * @param timeout how long the whole send may take
     * @return the bytes sent, always {@code view.size()}
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes sent
     * @throws IllegalArgumentException if {@code target} is a blocking selectable channel
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, ByteView view, Duration timeout) throws IOException {
        return Blocking.complete(Transfer.send(target, view), target, Deadline.after(timeout), "bytes sent");
    }

    /**
     * Sends the views one after another as one stream of bytes (a header and a
     * payload, say), with as few gathering writes as the channel allows: up to
     * 1024 views and about 1 MiB per call. Nothing is copied to join them.
     *
     * @param target the channel to write to
     * @param views the views to send, in order
     * @return the bytes sent, always the sum of the views' sizes
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, List<ByteView> views) throws IOException {
        return Blocking.complete(Transfer.send(target, views.toArray(ByteView[]::new)), target,
                Deadline.NONE, "bytes sent");
    }

    /**
     * Sends the views one after another, as {@link #sendFrom(WritableByteChannel, List)}
     * does, to a non-blocking {@code target} within {@code timeout}.
     *
     * @param target a non-blocking channel
     * @param views the views to send, in order
     * @param timeout how long the whole send may take
     * @return the bytes sent, always the sum of the views' sizes
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes sent
     * @throws IllegalArgumentException if {@code target} is a blocking selectable channel
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, List<ByteView> views, Duration timeout)
            throws IOException {
        return Blocking.complete(Transfer.send(target, views.toArray(ByteView[]::new)), target,
                Deadline.after(timeout), "bytes sent");
    }

    /**
     * Fills {@code view} with exactly {@code view.size()} bytes from {@code source},
     * looping over partial reads. The receiver must know the size in advance, as in
     * the recipe; when it does not, send a frame ({@link Frames}).
     *
     * @param source the channel to read from
     * @param view a writable view to fill from its start
     * @return the bytes received, always {@code view.size()}
     * @throws EndOfStreamException if the stream ends first; the message and
     *     {@link EndOfStreamException#transferred()} say how many bytes arrived, and they
     *     are at the start of the view
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static long recvInto(ReadableByteChannel source, ByteView view) throws IOException {
        return Blocking.complete(new ViewReceiver(source, view), source, Deadline.NONE, "bytes received");
    }

    /**
     * Fills {@code view} from a non-blocking {@code source} within {@code timeout}.
     *
     * @param source a non-blocking channel
     * @param view a writable view to fill from its start
     * @param timeout how long the whole receive may take
     * @return the bytes received, always {@code view.size()}
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes
     *     received, which are at the start of the view
     * @throws EndOfStreamException if the stream ends first
     * @throws IllegalArgumentException if {@code source} is a blocking selectable channel
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static long recvInto(ReadableByteChannel source, ByteView view, Duration timeout) throws IOException {
        return Blocking.complete(new ViewReceiver(source, view), source, Deadline.after(timeout), "bytes received");
    }

    /**
     * Receives what one read gives into the start of {@code view}: at least one
     * byte and at most {@code min(view.size(), 1 MiB)}. On a non-blocking channel
     * with nothing to read yet, waits for readiness first.
     *
     * @param source the channel to read from
     * @param view a writable view to receive into
     * @return the bytes received, or -1 at the end of stream, or 0 if the view is empty
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static int recvSome(ReadableByteChannel source, ByteView view) throws IOException {
        return Blocking.readSome(source, writableBuffer(view), Deadline.NONE);
    }

    /**
     * Receives what one read gives, as {@link #recvSome(ReadableByteChannel, ByteView)}
     * does, waiting at most {@code timeout} for a non-blocking {@code source} to have data.
     *
     * @param source a non-blocking channel
     * @param view a writable view to receive into
     * @param timeout how long to wait for data
     * @return the bytes received, or -1 at the end of stream, or 0 if the view is empty
     * @throws TransferTimeoutException if no byte arrives in time
     * @throws IllegalArgumentException if {@code source} is a blocking selectable channel
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static int recvSome(ReadableByteChannel source, ByteView view, Duration timeout) throws IOException {
        return Blocking.readSome(source, writableBuffer(view), Deadline.after(timeout));
    }

    private static ByteBuffer writableBuffer(ByteView view) {
        if (view.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        return view.buffer();
    }
}
