package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.Transfer;
import java.nio.channels.ReadableByteChannel;

/**
 * The pieces of a frame receive that every driver shares (the blocking one in
 * {@code Frames} and the suspending ones in the Ktor adapter), so that they word
 * their errors the same way.
 */
public final class FrameParts {

    /**
     * The largest payload a receive that allocates accepts: the largest array every
     * JVM allocates ({@code ArraysSupport.SOFT_MAX_ARRAY_LENGTH} in the JDK). HotSpot
     * refuses {@code new byte[Integer.MAX_VALUE]} and {@code Integer.MAX_VALUE - 1} with
     * an {@link OutOfMemoryError} whatever the heap, so a header declaring either must
     * be refused before anything is allocated.
     */
    public static final int MAX_ALLOCATED_PAYLOAD = Integer.MAX_VALUE - 8;

    private FrameParts() {
    }

    /**
     * Returns the limit a receive that allocates checks the header against: {@code maxSize},
     * but at most {@link #MAX_ALLOCATED_PAYLOAD}.
     *
     * @throws IllegalArgumentException if {@code maxSize} is negative
     */
    public static int allocationLimit(int maxSize) {
        if (maxSize < 0) {
            throw new IllegalArgumentException("maxSize must be >= 0, was " + maxSize);
        }
        return Math.min(maxSize, MAX_ALLOCATED_PAYLOAD);
    }

    /** Returns a receive of the 8 header bytes into {@code header}. */
    public static Transfer header(ReadableByteChannel source, ByteView header) {
        return new ViewReceiver(source, header, "frame header bytes");
    }

    /** Returns a receive of the payload into {@code payload}, exactly its size. */
    public static Transfer payload(ReadableByteChannel source, ByteView payload) {
        return new ViewReceiver(source, payload, "frame payload bytes");
    }

    /**
     * Checks that an allocator's view can hold a {@code size}-byte payload and
     * returns the slice that will.
     *
     * @throws IllegalStateException if the view is smaller than {@code size}
     */
    public static ByteView allocated(ByteView view, int size) {
        if (view.size() < size) {
            throw new IllegalStateException("allocator returned " + view.size() + " bytes for a "
                    + size + "-byte payload");
        }
        return view.slice(0, size);
    }
}
