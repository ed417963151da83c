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

    private FrameParts() {
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
