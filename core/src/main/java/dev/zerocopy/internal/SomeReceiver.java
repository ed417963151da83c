package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;

/**
 * The step of {@code recvSome} that every driver takes (the blocking one in {@code ZeroCopy}
 * and the suspending ones of the Ktor adapter): one read of at most about 1 MiB into the
 * start of a view, which the driver repeats after each wait for readiness until it returns
 * anything but 0. Holds no state, so a call allocates nothing.
 */
public final class SomeReceiver {

    private SomeReceiver() {
    }

    /**
     * Returns the buffer a receive into {@code view} fills: its first piece.
     *
     * @throws ReadOnlyBufferException if the view is read-only
     */
    public static ByteBuffer target(ByteView view) {
        if (view.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        return view.buffers()[0];
    }

    /**
     * Reads once into {@code buffer}: the bytes read, 0 if the channel has none yet (or
     * {@code buffer} is full), -1 at the end of stream.
     */
    public static int step(ReadableByteChannel source, ByteBuffer buffer) throws IOException {
        return ViewReceiver.readCapped(source, buffer);
    }

    /** {@code failure} with the counts of a receive into {@code buffer} that moved nothing. */
    public static IOException failed(ByteBuffer buffer, IOException failure) {
        return Failures.withCounts(0, buffer.remaining(), "bytes received", failure);
    }
}
