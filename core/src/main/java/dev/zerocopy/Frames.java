package dev.zerocopy;

import dev.zerocopy.internal.Blocking;
import dev.zerocopy.internal.Deadline;
import dev.zerocopy.internal.Failures;
import dev.zerocopy.internal.FrameReceiver;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ProtocolException;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeoutException;
import java.util.function.IntFunction;

/**
 * Length-prefixed frames, for a receiver that does not know how many bytes are
 * coming. A frame is an 8-byte header holding the payload size as a signed
 * 64-bit integer in <b>big-endian</b> (network) byte order, then the payload.
 * In Python the header is {@code struct.pack('>q', len(payload))}.
 *
 * <p>A frame is sent as one gathering write of header and payload, so the
 * payload is never copied to join them. A receiver checks the header before it
 * reads or allocates anything for the payload: a negative size is a
 * {@link ProtocolException}; a size over the receiver's limit is a
 * {@link FrameTooLargeException} that leaves the payload unread.
 *
 * <p>Blocking, timeout and partial-transfer behaviour are those of
 * {@link ZeroCopy}: a receive that fails keeps what arrived where it arrived.
 */
public final class Frames {

    /** The size of a frame header in bytes. */
    public static final int HEADER_SIZE = Long.BYTES;

    private Frames() {
    }

    /**
     * Returns a new 8-byte header announcing a payload of {@code payloadSize} bytes.
     * For callers that drive frames with {@link Transfer} themselves.
     *
     * @param payloadSize the payload size
     * @return a new writable heap view holding the header
     * @throws IllegalArgumentException if {@code payloadSize} is negative
     */
    public static ByteView header(long payloadSize) {
        if (payloadSize < 0) {
            throw new IllegalArgumentException("payload size must be >= 0, was " + payloadSize);
        }
        ByteView header = ByteView.allocate(HEADER_SIZE);
        header.buffer().order(ByteOrder.BIG_ENDIAN).putLong(0, payloadSize);
        return header;
    }

    /**
     * Reads the payload size from a received header and checks it against a limit.
     * For callers that drive frames with {@link Transfer} themselves.
     *
     * @param header the 8 header bytes
     * @param limit the largest payload accepted
     * @return the payload size, from 0 to {@code limit}
     * @throws ProtocolException if the header declares a negative size
     * @throws FrameTooLargeException if it declares more than {@code limit}
     * @throws IllegalArgumentException if {@code header} is not 8 bytes long
     */
    public static int payloadSize(ByteView header, int limit) throws IOException {
        if (header.size() != HEADER_SIZE) {
            throw new IllegalArgumentException("a frame header is " + HEADER_SIZE + " bytes, not " + header.size());
        }
        return FrameReceiver.checkSize(header.buffer().order(ByteOrder.BIG_ENDIAN).getLong(0), limit);
    }

    /**
     * Sends {@code payload} as one frame: its header, then its bytes, in one
     * gathering write where the channel allows it.
     *
     * @param target the channel to write to
     * @param payload the bytes to send; read, never modified
     * @return the bytes sent, header included: {@code 8 + payload.size()}
     * @throws IOException if the channel fails; part of the frame may have been sent
     */
    public static long sendFrame(WritableByteChannel target, ByteView payload) throws IOException {
        return Blocking.sendFrame(target, payload, Deadline.NONE);
    }

    /**
     * Sends {@code payload} as one frame within {@code timeout}; a blocking channel is closed
     * if it expires (see {@link ZeroCopy}).
     *
     * @param target the channel to write to
     * @param payload the bytes to send
     * @param timeout how long the whole send may take
     * @return the bytes sent, header included
     * @throws TransferTimeoutException if the timeout expires first; it counts the frame bytes sent
     * @throws IOException if the channel fails; part of the frame may have been sent
     */
    public static long sendFrame(WritableByteChannel target, ByteView payload, Duration timeout)
            throws IOException {
        return Blocking.sendFrame(target, payload, Deadline.after(timeout));
    }

    /**
     * Receives one frame into the start of {@code into} and returns the slice of
     * {@code into} that holds its payload.
     *
     * @param source the channel to read from
     * @param into a writable view at least as large as the payload
     * @return {@code into.slice(0, payloadSize)}, sharing content with {@code into}
     * @throws FrameTooLargeException if the payload is larger than {@code into}; the
     *     header was read, the payload was not, and {@code into} is untouched
     * @throws ProtocolException if the header declares a negative size
     * @throws EndOfStreamException if the stream ends inside the header or the payload
     * @throws ReadOnlyBufferException if {@code into} is read-only (nothing is read)
     * @throws IOException if the channel fails
     */
    public static ByteView recvFrame(ReadableByteChannel source, ByteView into) throws IOException {
        return recvFrame(source, into, Deadline.NONE);
    }

    /**
     * Receives one frame into {@code into} within {@code timeout} (a blocking channel is
     * closed if it expires), as {@link #recvFrame(ReadableByteChannel, ByteView)} does.
     *
     * @param source the channel to read from
     * @param into a writable view at least as large as the payload
     * @param timeout how long the whole frame may take
     * @return the slice of {@code into} holding the payload
     * @throws TransferTimeoutException if the timeout expires first; it counts the header
     *     or payload bytes received so far
     * @throws FrameTooLargeException if the payload is larger than {@code into}
     * @throws EndOfStreamException if the stream ends inside the header or the payload
     * @throws IOException if the channel fails
     */
    public static ByteView recvFrame(ReadableByteChannel source, ByteView into, Duration timeout)
            throws IOException {
        return recvFrame(source, into, Deadline.after(timeout));
    }

    /**
     * Receives one frame of at most {@code maxSize} payload bytes into a new heap
     * view of exactly the payload's size. The size is checked before anything is
     * allocated, so a hostile header costs nothing. A {@code maxSize} above
     * {@code Integer.MAX_VALUE - 8} (2,147,483,639, the largest array every JVM
     * allocates) is taken as that.
     *
     * @param source the channel to read from
     * @param maxSize the largest payload accepted
     * @return a new writable view holding the payload
     * @throws FrameTooLargeException if the header declares more than {@code maxSize}, or
     *     more than 2,147,483,639 bytes; {@link FrameTooLargeException#limit()} says which
     *     limit applied, and the payload is still unread
     * @throws ProtocolException if the header declares a negative size
     * @throws EndOfStreamException if the stream ends inside the header or the payload
     * @throws IOException if the channel fails
     */
    public static ByteView recvFrame(ReadableByteChannel source, int maxSize) throws IOException {
        return recvFrame(source, maxSize, ByteView::allocate, null);
    }

    /**
     * Receives one frame of at most {@code maxSize} payload bytes into a view made
     * by {@code allocator} (for example {@link ByteView#allocateDirect}, or a slice
     * of a cache; for pooled memory use
     * {@link #recvFrame(ReadableByteChannel, int, ViewPool, Duration)}), waiting at most
     * {@code timeout} if it is not null. A {@code maxSize} above {@code Integer.MAX_VALUE - 8}
     * (2,147,483,639) is taken as that, so that the allocator is never asked for more than
     * a JVM array can hold.
     *
     * @param source the channel to read from; closed if it is blocking and {@code timeout} expires
     * @param maxSize the largest payload accepted
     * @param allocator makes a writable view of at least the given size; called
     *     once, only after the header passed its checks
     * @param timeout how long the whole frame may take, or null to wait as long as it takes
     * @return the first {@code payloadSize} bytes of the allocated view, holding the payload
     * @throws FrameTooLargeException if the header declares more than {@code maxSize}, or
     *     more than 2,147,483,639 bytes; the payload is still unread
     * @throws ProtocolException if the header declares a negative size
     * @throws TransferTimeoutException if the timeout expires first
     * @throws EndOfStreamException if the stream ends inside the header or the payload
     * @throws IOException if the channel fails
     */
    public static ByteView recvFrame(ReadableByteChannel source, int maxSize, IntFunction<ByteView> allocator,
            Duration timeout) throws IOException {
        int limit = FrameReceiver.allocationLimit(maxSize);
        Objects.requireNonNull(allocator, "allocator");
        Deadline deadline = timeout == null ? Deadline.NONE : Deadline.after(timeout);
        FrameReceiver frame = recvHeader(source, limit, deadline);
        return recvPayload(source, frame, allocator.apply(frame.size()), deadline);
    }

    /**
     * Receives one frame of at most {@code maxSize} payload bytes into a view of
     * exactly the payload's size acquired from {@code pool}, waiting at most
     * {@code timeout} (for the frame and for pooled memory together) if it is not
     * null. Memory is acquired only after the header passed its checks, and it is
     * released again if the payload fails to arrive.
     *
     * <p>The caller owns the returned view and must {@link ByteView#close()} it once
     * done; its slices are valid only until then.
     *
     * @param source the channel to read from; closed if it is blocking and {@code timeout} expires
     * @param maxSize the largest payload accepted; at most the pool's bound
     * @param pool where the payload's memory comes from
     * @param timeout how long the whole frame may take, or null to wait as long as it takes
     * @return a pooled view holding the payload
     * @throws FrameTooLargeException if the header declares more than {@code maxSize}
     * @throws ProtocolException if the header declares a negative size
     * @throws TransferTimeoutException if the timeout expires first, waiting for bytes
     *     or for pooled memory; it counts the payload bytes received (0 while waiting for memory)
     * @throws EndOfStreamException if the stream ends inside the header or the payload
     * @throws TransferInterruptedException if the thread is interrupted while waiting for memory
     *     (counting 0 payload bytes; its interrupt status stays set) or while a blocking
     *     channel call is under way (see {@link ZeroCopy})
     * @throws IOException if the channel fails
     */
    public static ByteView recvFrame(ReadableByteChannel source, int maxSize, ViewPool pool, Duration timeout)
            throws IOException {
        FrameReceiver.checkMaxSize(maxSize);
        Objects.requireNonNull(pool, "pool");
        Deadline deadline = timeout == null ? Deadline.NONE : Deadline.after(timeout);
        FrameReceiver frame = recvHeader(source, maxSize, deadline);
        ByteView payload = acquire(pool, frame.size(), deadline);
        try {
            Blocking.complete(frame.payloadExactly(payload), source, deadline, FrameReceiver.PAYLOAD_RECEIVED);
            return payload;
        } catch (IOException | RuntimeException | Error e) {
            payload.close();
            throw e;
        }
    }

    private static ByteView acquire(ViewPool pool, int size, Deadline deadline) throws IOException {
        try {
            return pool.acquire(size, deadline.remainingNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw Failures.withCounts(0, size, "frame payload bytes received (waiting for pooled memory)",
                    new InterruptedIOException("interrupted while waiting for " + size
                            + " bytes of pooled memory for a frame payload"));
        } catch (TimeoutException e) {
            throw new TransferTimeoutException(deadline.timeoutMillis(), 0, size,
                    "frame payload bytes received (waiting for pooled memory)");
        }
    }

    private static ByteView recvFrame(ReadableByteChannel source, ByteView into, Deadline deadline)
            throws IOException {
        return into.slice(0, Blocking.recvFrame(source, into, FrameReceiver.intoLimit(into), deadline));
    }

    /** Steps a frame receive through its header and the check of the declared size. */
    private static FrameReceiver recvHeader(ReadableByteChannel source, int limit, Deadline deadline)
            throws IOException {
        FrameReceiver frame = new FrameReceiver(source, limit);
        Blocking.complete(frame.header(), source, deadline, FrameReceiver.HEADER_RECEIVED);
        frame.size();
        return frame;
    }

    /** Steps a frame receive through its payload, into the start of {@code view}. */
    private static ByteView recvPayload(ReadableByteChannel source, FrameReceiver frame, ByteView view,
            Deadline deadline) throws IOException {
        Blocking.complete(frame.payload(view), source, deadline, FrameReceiver.PAYLOAD_RECEIVED);
        return frame.received();
    }
}
