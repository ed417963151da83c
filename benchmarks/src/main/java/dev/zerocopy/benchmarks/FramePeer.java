package dev.zerocopy.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SocketChannel;

/**
 * The far end of every frame path in {@link FramesBenchmark}: one blocking NIO channel and a peer
 * thread that reads frames (8-byte big-endian length, then the payload; the core's {@code Frames}
 * format) into reused buffers and, in echo mode, writes each one back in one gathering write.
 * Hand-written and allocation-free per frame, so that the paths compared share one receiver and
 * {@code -prof gc} sees only the client side's allocation.
 */
final class FramePeer {

    private FramePeer() {
    }

    /**
     * Serves frames on {@code channel} until it is closed under the thread (or the client closes).
     *
     * @param echo whether to send each frame back
     * @param maxPayload the largest payload accepted
     * @return the frames served
     */
    static long serve(SocketChannel channel, boolean echo, int maxPayload) throws IOException {
        ByteBuffer header = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.BIG_ENDIAN);
        ByteBuffer payload = ByteBuffer.allocateDirect(maxPayload);
        ByteBuffer[] frame = {header, payload};
        long frames = 0;
        try {
            while (true) {
                header.clear();
                if (!readFully(channel, header, frames)) {
                    return frames;
                }
                long size = header.getLong(0);
                if (size < 0 || size > maxPayload) {
                    throw new IOException("frame " + frames + " announces " + size + " bytes; limit " + maxPayload);
                }
                payload.clear().limit((int) size);
                if (!readFully(channel, payload, frames)) {
                    throw new EOFException("stream ended inside frame " + frames + " of " + size + " bytes");
                }
                if (echo) {
                    header.flip();
                    payload.flip();
                    while (header.hasRemaining() || payload.hasRemaining()) {
                        channel.write(frame);
                    }
                }
                frames++;
            }
        } catch (ClosedChannelException closed) {
            // The trial's TearDown closed it: the peer is done.
            return frames;
        }
    }

    /** Fills {@code buffer}; returns false if the stream ends before the first byte. */
    private static boolean readFully(SocketChannel channel, ByteBuffer buffer, long frames) throws IOException {
        boolean first = true;
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) {
                if (first && buffer.position() == 0) {
                    return false;
                }
                throw new EOFException("stream ended after " + buffer.position() + " bytes of frame " + frames);
            }
            first = false;
        }
        return true;
    }
}
