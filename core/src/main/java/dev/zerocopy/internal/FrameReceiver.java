package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.FrameTooLargeException;
import dev.zerocopy.Frames;
import dev.zerocopy.Transfer;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
import java.util.Objects;

/**
 * One frame receive, as the state machine every driver steps: the blocking one in
 * {@code Frames} and the suspending ones of the Ktor adapter (on a socket's own channel
 * and on Ktor's read channel). Its states come in order:
 * <ol>
 *   <li>header: {@link #header()} is the transfer of the 8 header bytes, which the driver completes;
 *   <li>sized: {@link #size()} checks the declared size against the limit and returns it, so that the
 *       driver can find a view for the payload its own way (slice, allocator, pool it may wait on);
 *   <li>payload: {@link #payload(ByteView)} is the transfer of the payload into that view, which the
 *       driver completes; {@link #received()} is then the frame's payload.
 * </ol>
 * Every driver words its checks and errors the same way through it. Not thread-safe: one
 * receive, one driver.
 */
public final class FrameReceiver {

    /**
     * The largest payload a receive that allocates accepts: the largest array every
     * JVM allocates ({@code ArraysSupport.SOFT_MAX_ARRAY_LENGTH} in the JDK). HotSpot
     * refuses {@code new byte[Integer.MAX_VALUE]} and {@code Integer.MAX_VALUE - 1} with
     * an {@link OutOfMemoryError} whatever the heap, so a header declaring either must
     * be refused before anything is allocated.
     */
    public static final int MAX_ALLOCATED_PAYLOAD = Integer.MAX_VALUE - 8;

    /** What a blocking driver's timeout or failure calls the header's bytes. */
    public static final String HEADER_RECEIVED = "frame header bytes received";
    /** What a blocking driver's timeout or failure calls the payload's bytes. */
    public static final String PAYLOAD_RECEIVED = "frame payload bytes received";
    /** What an end-of-stream message calls the header's bytes. */
    public static final String HEADER_BYTES = "frame header bytes";
    /** What an end-of-stream message calls the payload's bytes. */
    public static final String PAYLOAD_BYTES = "frame payload bytes";

    private final ReadableByteChannel source;
    private final int limit;
    /** The header's 8 bytes, big-endian: a bare buffer, as no view of them is ever handed out. */
    private final ByteBuffer header = ByteBuffer.allocate(Frames.HEADER_SIZE);
    private final ViewReceiver headerStep;
    private int size = -1;
    private ByteView payload;

    /**
     * @param limit the largest payload accepted; a larger declared size is a
     *   {@link dev.zerocopy.FrameTooLargeException}
     */
    public FrameReceiver(ReadableByteChannel source, int limit) {
        this.source = Objects.requireNonNull(source, "source");
        this.limit = limit;
        this.headerStep = new ViewReceiver(source, new ByteBuffer[] {header}, 0, Frames.HEADER_SIZE, HEADER_BYTES);
    }

    /**
     * Returns the limit of a receive that allocates: {@code maxSize}, but at most
     * {@link #MAX_ALLOCATED_PAYLOAD}.
     *
     * @throws IllegalArgumentException if {@code maxSize} is negative
     */
    public static int allocationLimit(int maxSize) {
        checkMaxSize(maxSize);
        return Math.min(maxSize, MAX_ALLOCATED_PAYLOAD);
    }

    /**
     * Checks the {@code maxSize} of a receive.
     *
     * @throws IllegalArgumentException if {@code maxSize} is negative
     */
    public static int checkMaxSize(int maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must be >= 0, was " + maxSize);
        }
        return maxSize;
    }

    /**
     * Returns the payload size a header declares, {@code declared}, once it passed the checks
     * every driver makes before reading or allocating anything for the payload.
     *
     * @throws ProtocolException if it is negative
     * @throws FrameTooLargeException if it is more than {@code limit}
     */
    public static int checkSize(long declared, int limit) throws IOException {
        if (declared < 0) {
            throw new ProtocolException("frame header declares a negative payload size: " + declared
                    + " (0x" + Long.toHexString(declared) + ")");
        }
        if (declared > limit) {
            throw new FrameTooLargeException(declared, limit);
        }
        return (int) declared;
    }

    /** Returns the limit of a receive into {@code into}: its size, at most a frame's {@code int} limit. */
    public static int intoLimit(ByteView into) {
        return (int) Math.min(into.size(), Integer.MAX_VALUE);
    }

    /** The first state: the receive of the 8 header bytes. */
    public Transfer header() {
        return headerStep;
    }

    /**
     * The second state, once {@link #header()} is complete: the declared payload size.
     *
     * @throws java.net.ProtocolException if the header declares a negative size
     * @throws dev.zerocopy.FrameTooLargeException if it declares more than the limit
     */
    public int size() throws IOException {
        if (!headerStep.isComplete()) {
            throw new IllegalStateException("the frame header is not received yet: " + headerStep);
        }
        if (size < 0) {
            size = checkSize(header.getLong(0), limit);
        }
        return size;
    }

    /**
     * The last state: the receive of the payload into the first {@link #size()} bytes of
     * {@code view}, a slice of which {@link #received()} then returns.
     *
     * @throws IllegalStateException if {@code view} is smaller than the payload (an allocator's fault)
     */
    public Transfer payload(ByteView view) throws IOException {
        int declared = size();
        if (view.size() < declared) {
            throw new IllegalStateException("allocator returned " + view.size() + " bytes for a "
                    + declared + "-byte payload");
        }
        return payloadExactly(view.slice(0, declared));
    }

    /**
     * The last state, for a view of exactly the payload's size (a pool's, acquired for
     * {@link #size()} bytes): the receive of the payload into it, which {@link #received()}
     * then returns itself, so that closing it returns it to its pool.
     */
    public Transfer payloadExactly(ByteView view) throws IOException {
        if (view.size() != size()) {
            throw new IllegalArgumentException("a " + size() + "-byte payload into a " + view.size() + "-byte view");
        }
        payload = view;
        return new ViewReceiver(source, payload, PAYLOAD_BYTES);
    }

    /** The view the payload was received into. */
    public ByteView received() {
        return payload;
    }
}
