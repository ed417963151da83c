package dev.zerocopy;

import dev.zerocopy.internal.Blocking;
import dev.zerocopy.internal.Deadline;
import java.io.IOException;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;

/**
 * Sends and receives whole {@link ByteView}s over channels: the JVM form of the
 * {@code send_from}/{@code recv_into} recipe, in which a view is moved through a
 * socket by repeated partial writes or reads, each continuing where the last
 * stopped, without ever copying the bytes.
 *
 * <p><b>Blocking behaviour.</b> Every method here returns only when it is done.
 * On a blocking channel each call blocks as the channel does; on a virtual thread
 * (JDK 21+) that parks the virtual thread, and a zero-copy file send keeps its
 * zero-copy path (see {@link FileTransfer}). On a non-blocking
 * {@link java.nio.channels.SelectableChannel} the loop waits for readiness through
 * one poller shared by the whole process whenever the channel would block, so the
 * thread sleeps instead of spinning and the wait opens no descriptor. A channel
 * that is neither (a custom channel that may report zero progress) is retried
 * after short pauses of at most 1 ms. To drive the same work from an event loop
 * instead, use {@link Transfer}, the resumable step these loops are built on.
 *
 * <p><b>Timeouts</b> bound the whole call, including one that keeps making
 * progress. When a timeout expires, {@link TransferTimeoutException} says how many
 * bytes moved, and the channel is left as follows:
 * <ul>
 *   <li>a non-blocking channel stays open and usable (though a send has put a
 *       partial message on the wire);
 *   <li>a blocking {@code SelectableChannel} (a socket or a pipe, on a virtual or a
 *       platform thread) is <b>closed</b>: a call blocked in it can be cut short in no
 *       other way, just as an interrupt closes an
 *       {@link java.nio.channels.InterruptibleChannel}. One shared daemon thread closes
 *       it at the deadline; the blocked call then ends with the timeout, whose message
 *       says the channel was closed and whose cause is the
 *       {@link java.nio.channels.AsynchronousCloseException}. A timeout that expires as
 *       the last bytes move may still close the channel; the exception then counts
 *       every byte. One call is not cut short at its deadline on JDK 17: a zero-copy
 *       file send ({@link FileMode#ZERO_COPY}, or {@link FileMode#AUTO} choosing it) to a
 *       full blocking <b>pipe</b> on a <b>platform</b> thread. It waits inside the kernel
 *       (sendfile into a pipe is a splice), in a call JDK 17 makes on the file's channel,
 *       so the pipe's channel does not know the thread and closing the pipe does not wake
 *       it; a socket's is woken by shutting its output down first, which a pipe does not
 *       have. The pipe is still closed at the deadline, but the call returns only when
 *       the pipe's reader makes room or closes its end, and then throws the timeout,
 *       counting the bytes that went into the pipe; if the reader never does, the call
 *       never returns. (JDK 25 wakes it: there the call ends at its deadline.) Where a
 *       pipe's reader may stall on JDK 17, send to it with {@link FileMode#COPY} or through
 *       a non-blocking pipe;
 *   <li>any other channel is checked between its calls, so one call that blocks is
 *       not interrupted, and it stays open.
 * </ul>
 *
 * <p><b>Partial transfers.</b> A receive that fails (end of stream, timeout,
 * interrupt, I/O error) leaves the bytes that arrived at the start of the view
 * and the rest untouched. A send that fails has put some bytes on the wire; the
 * peer has seen a partial message. Every failure names the bytes moved and the
 * bytes expected: {@link EndOfStreamException}, {@link TransferTimeoutException},
 * and for a channel that fails (a peer reset, a close by another thread)
 * {@link TransferException}, whose cause is the channel's exception. An interrupt
 * of the calling thread (platform or virtual) ends the call with
 * {@link TransferInterruptedException} (an {@link java.io.InterruptedIOException}) and
 * its counts, leaving the interrupt status set: an interrupt that finds the thread in a
 * channel call has closed the channel, as {@link java.nio.channels.InterruptibleChannel}
 * says (the cause is the {@link java.nio.channels.ClosedByInterruptException}); one that
 * finds it waiting for a non-blocking channel's readiness leaves the channel open (see
 * {@link TransferInterruptedException} for the one call an interrupt may cut short uncounted).
 *
 * <p><b>Reports and progress.</b> A file transfer returns its {@link FileTransfer},
 * whose {@link FileTransfer#report()} says what happened; every exception a call throws
 * carries the {@link TransferReport} of the moment it failed. A {@link Progress} (in
 * {@link FileOptions#withProgress} for files, or the overloads that take one) tells the
 * caller the bytes moved at a bounded rate, and its idle timeout ends a transfer that
 * moves nothing for that long, however long the whole transfer takes: a slow peer that
 * keeps reading is served, a stalled one is cut.
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
        return Blocking.sendView(target, view, Deadline.NONE, null);
    }

    /**
     * Sends every byte of {@code view} to {@code target} within {@code timeout}; a blocking
     * channel is closed if the timeout expires (see the class doc).
     *
     * @param target the channel to write to
     * @param view the bytes to send
     * @param timeout how long the whole send may take
     * @return the bytes sent, always {@code view.size()}
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes sent
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, ByteView view, Duration timeout) throws IOException {
        return Blocking.sendView(target, view, Deadline.after(timeout), null);
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
     * does, within {@code timeout}; a blocking channel is closed if it expires.
     *
     * @param target the channel to write to
     * @param views the views to send, in order
     * @param timeout how long the whole send may take
     * @return the bytes sent, always the sum of the views' sizes
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes sent
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, List<ByteView> views, Duration timeout)
            throws IOException {
        return Blocking.complete(Transfer.send(target, views.toArray(ByteView[]::new)), target,
                Deadline.after(timeout), "bytes sent");
    }

    /**
     * Sends the views one after another, as {@link #sendFrom(WritableByteChannel, List)}
     * does, told of the bytes sent at the rate {@code progress} sets and ended by its idle
     * timeout if no byte goes out for that long; a blocking channel is closed if the
     * timeout or the idle timeout expires (see the class doc).
     *
     * @param target the channel to write to
     * @param views the views to send, in order
     * @param timeout how long the whole send may take, or null for no limit
     * @param progress how to follow the send, or null
     * @return the bytes sent, always the sum of the views' sizes
     * @throws TransferTimeoutException if the timeout or the idle timeout expires first; its
     *     report counts the bytes sent
     * @throws IOException if the channel fails; some bytes may have been sent
     */
    public static long sendFrom(WritableByteChannel target, List<ByteView> views, Duration timeout,
            Progress progress) throws IOException {
        return Blocking.complete(Transfer.send(target, views.toArray(ByteView[]::new)).progress(progress), target,
                deadline(timeout), "bytes sent");
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
        return Blocking.recvView(source, view, Deadline.NONE, null);
    }

    /**
     * Fills {@code view} from {@code source} within {@code timeout}; a blocking channel is
     * closed if the timeout expires (see the class doc).
     *
     * @param source the channel to read from
     * @param view a writable view to fill from its start
     * @param timeout how long the whole receive may take
     * @return the bytes received, always {@code view.size()}
     * @throws TransferTimeoutException if the timeout expires first; it counts the bytes
     *     received, which are at the start of the view
     * @throws EndOfStreamException if the stream ends first
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static long recvInto(ReadableByteChannel source, ByteView view, Duration timeout) throws IOException {
        return Blocking.recvView(source, view, Deadline.after(timeout), null);
    }

    /**
     * Fills {@code view} from {@code source}, told of the bytes received at the rate
     * {@code progress} sets and ended by its idle timeout if no byte arrives for that long;
     * a blocking channel is closed if the timeout or the idle timeout expires.
     *
     * @param source the channel to read from
     * @param view a writable view to fill from its start
     * @param timeout how long the whole receive may take, or null for no limit
     * @param progress how to follow the receive, or null
     * @return the bytes received, always {@code view.size()}
     * @throws TransferTimeoutException if the timeout or the idle timeout expires first; its
     *     report counts the bytes received, which are at the start of the view
     * @throws EndOfStreamException if the stream ends first
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static long recvInto(ReadableByteChannel source, ByteView view, Duration timeout, Progress progress)
            throws IOException {
        return Blocking.recvView(source, view, deadline(timeout), progress);
    }

    /**
     * Receives what one read gives into the start of {@code view}: at least one
     * byte and at most {@code min(view.size(), 1 MiB)} (and at most its first piece,
     * for a view held in pieces). On a non-blocking channel
     * with nothing to read yet, waits for readiness first.
     *
     * @param source the channel to read from
     * @param view a writable view to receive into
     * @return the bytes received, or -1 at the end of stream, or 0 if the view is empty
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static int recvSome(ReadableByteChannel source, ByteView view) throws IOException {
        return Blocking.recvSome(source, view, Deadline.NONE);
    }

    /**
     * Receives what one read gives, as {@link #recvSome(ReadableByteChannel, ByteView)}
     * does, waiting at most {@code timeout} for {@code source} to have data; a blocking
     * channel is closed if the timeout expires.
     *
     * @param source the channel to read from
     * @param view a writable view to receive into
     * @param timeout how long to wait for data
     * @return the bytes received, or -1 at the end of stream, or 0 if the view is empty
     * @throws TransferTimeoutException if no byte arrives in time
     * @throws ReadOnlyBufferException if the view is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static int recvSome(ReadableByteChannel source, ByteView view, Duration timeout) throws IOException {
        return Blocking.recvSome(source, view, Deadline.after(timeout));
    }

    /**
     * Sends the whole of {@code file} to {@code target} in {@link FileMode#AUTO} mode,
     * opening and closing the file: the JVM form of Python's {@code socket.sendfile()}.
     *
     * @param file the file to send
     * @param target the channel to write to
     * @return the finished transfer: bytes sent, the mode that ran and any fallback reason
     * @throws IOException if the file cannot be read, shrinks while it is sent, or the channel fails
     */
    public static FileTransfer sendFile(Path file, WritableByteChannel target) throws IOException {
        return sendFile(file, target, 0, -1, FileOptions.defaults());
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code offset} to {@code target},
     * opening and closing the file. See {@link FileTransfer} for the modes and the rule
     * {@link FileMode#AUTO} follows.
     *
     * @param file the file to send
     * @param target the channel to write to
     * @param offset the file position of the first byte to send
     * @param count the bytes to send, or -1 for everything from {@code offset} to the end
     * @param options mode, chunk size and timeout
     * @return the finished transfer: bytes sent, the mode that ran and any fallback reason
     * @throws IllegalArgumentException if {@code offset} is negative or past the end of the
     *     file, or {@code count} is below -1 or reaches past the end
     * @throws TransferTimeoutException if a timeout was given and expires; it counts the bytes sent
     * @throws IOException if the file cannot be read, shrinks while it is sent, or the channel fails;
     *     some bytes may have been sent
     */
    public static FileTransfer sendFile(Path file, WritableByteChannel target, long offset, long count,
            FileOptions options) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return sendFile(channel, target, offset, count, options);
        }
    }

    /**
     * Sends the bytes of {@code file} from {@code offset} to its end, in
     * {@link FileMode#AUTO} mode. Positional: the channel's position is neither used
     * nor changed, so several threads may send from one {@code FileChannel} at once.
     *
     * @param file a file open for reading
     * @param target the channel to write to
     * @param offset the file position of the first byte to send
     * @return the finished transfer
     * @throws IllegalArgumentException if {@code offset} is negative or past the end of the file
     * @throws IOException if the file shrinks while it is sent, or the channel fails
     */
    public static FileTransfer sendFile(FileChannel file, WritableByteChannel target, long offset)
            throws IOException {
        return sendFile(file, target, offset, -1, FileOptions.defaults());
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code offset} to {@code target}
     * and returns only when all are sent. Positional: the channel's position is
     * neither used nor changed. On a non-blocking target, waits for writability through the
     * shared poller whenever the socket is full. See {@link FileTransfer} for the modes, and
     * the class doc for what a timeout leaves behind.
     *
     * @param file a file open for reading
     * @param target the channel to write to
     * @param offset the file position of the first byte to send
     * @param count the bytes to send, or -1 for everything from {@code offset} to the end
     * @param options mode, chunk size and timeout
     * @return the finished transfer: bytes sent, the mode that ran and any fallback reason
     * @throws IllegalArgumentException if {@code offset} is negative or past the end of the
     *     file, or {@code count} is below -1 or reaches past the end (the message names the size)
     * @throws TransferTimeoutException if a timeout was given and expires; it counts the bytes sent
     * @throws IOException if the file shrinks below the range while it is sent (the message names
     *     its size and the bytes sent), or the channel fails; some bytes may have been sent
     */
    public static FileTransfer sendFile(FileChannel file, WritableByteChannel target, long offset, long count,
            FileOptions options) throws IOException {
        try (FileTransfer transfer = FileTransfer.send(file, offset, count, target, options)) {
            Blocking.complete(transfer, target, deadline(options), "file bytes sent");
            return transfer;
        }
    }

    /**
     * Receives exactly {@code count} bytes from {@code source} into {@code file} from
     * {@code offset} on, and returns only when all have arrived. Positional: the
     * channel's position is neither used nor changed; the file grows as needed.
     *
     * @param source the channel to read from
     * @param file a file open for writing
     * @param offset the file position of the first byte received
     * @param count the bytes to receive
     * @return the finished transfer: bytes received, the mode that ran and any fallback reason
     * @throws IllegalArgumentException if {@code offset} or {@code count} is negative
     * @throws EndOfStreamException if the source ends first; the message names the bytes
     *     received, and they are in the file
     * @throws IOException if a channel fails
     */
    public static FileTransfer recvFile(ReadableByteChannel source, FileChannel file, long offset, long count)
            throws IOException {
        return recvFile(source, file, offset, count, FileOptions.defaults());
    }

    /**
     * Receives exactly {@code count} bytes into {@code file} from {@code offset} on, as
     * {@link #recvFile(ReadableByteChannel, FileChannel, long, long)} does, with options.
     *
     * @param source the channel to read from
     * @param file a file open for writing
     * @param offset the file position of the first byte received
     * @param count the bytes to receive
     * @param options mode, chunk size and timeout
     * @return the finished transfer
     * @throws IllegalArgumentException if {@code offset} or {@code count} is negative
     * @throws EndOfStreamException if the source ends first; the bytes received are in the file
     * @throws TransferTimeoutException if a timeout was given and expires; it counts the bytes received
     * @throws IOException if a channel fails
     */
    public static FileTransfer recvFile(ReadableByteChannel source, FileChannel file, long offset, long count,
            FileOptions options) throws IOException {
        try (FileTransfer transfer = FileTransfer.receive(source, file, offset, count, options)) {
            Blocking.complete(transfer, source, deadline(options), "file bytes received");
            return transfer;
        }
    }

    /**
     * Receives exactly {@code count} bytes into {@code file} (created if missing, never
     * truncated) from {@code offset} on, opening and closing it.
     *
     * @param source the channel to read from
     * @param file the file to write
     * @param offset the file position of the first byte received
     * @param count the bytes to receive
     * @param options mode, chunk size and timeout
     * @return the finished transfer
     * @throws IllegalArgumentException if {@code offset} or {@code count} is negative
     * @throws EndOfStreamException if the source ends first; the bytes received are in the file
     * @throws IOException if the file cannot be opened or a channel fails
     */
    public static FileTransfer recvFile(ReadableByteChannel source, Path file, long offset, long count,
            FileOptions options) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            return recvFile(source, channel, offset, count, options);
        }
    }

    private static Deadline deadline(FileOptions options) {
        return deadline(options.timeout());
    }

    private static Deadline deadline(Duration timeout) {
        return timeout == null ? Deadline.NONE : Deadline.after(timeout);
    }

}
