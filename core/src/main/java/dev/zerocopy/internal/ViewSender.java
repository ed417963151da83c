package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Sends views in order, gathering several into one write call where the channel
 * allows it; a view held in several pieces counts as that many buffers.
 */
public final class ViewSender extends ViewTransfer {

    private final WritableByteChannel target;
    private final GatheringByteChannel gathering;

    public ViewSender(WritableByteChannel target, ByteView... views) {
        this(Objects.requireNonNull(target, "target"), buffersOf(views), 0);
    }

    /** A send of what {@code buffers} hold from {@code first} on, none of it sent yet. */
    ViewSender(WritableByteChannel target, ByteBuffer[] buffers, int first) {
        super(buffers, first, remaining(buffers, first));
        this.target = target;
        this.gathering = gathering(target);
    }

    /** A send that a blocking loop started and hands over with its counts (see {@link Tally#restart}). */
    ViewSender(WritableByteChannel target, ByteBuffer[] buffers, int first, long byteCount, long transferred,
            long steps, long zeroReturns, long startNanos) {
        super(buffers, first, byteCount, transferred, steps, zeroReturns, startNanos);
        this.target = target;
        this.gathering = gathering(target);
    }

    /** Whether this sends to {@code target}. */
    boolean to(WritableByteChannel target) {
        return this.target == target;
    }

    private static ByteBuffer[] buffersOf(ByteView[] views) {
        if (views.length == 1) {
            // The common send of one view: its fresh buffers are the list, with nothing gathered around them.
            return views[0].buffers();
        }
        List<ByteBuffer> all = new ArrayList<>(views.length);
        for (ByteView view : views) {
            for (ByteBuffer buffer : view.buffers()) {
                all.add(buffer);
            }
        }
        return all.toArray(new ByteBuffer[0]);
    }

    static GatheringByteChannel gathering(WritableByteChannel target) {
        return target instanceof GatheringByteChannel g ? g : null;
    }

    @Override
    public long step() throws IOException {
        current = next(buffers, current);
        if (current == buffers.length) {
            return 0;
        }
        stepping();
        long written;
        try {
            written = write(target, gathering, buffers, current);
        } catch (IOException | RuntimeException failed) {
            ended();
            throw failed;
        }
        transferred += written;
        stepped(written, transferred, byteCount);
        return written;
    }

    /**
     * One write of the buffers from {@code first} on (which has bytes remaining): gathering
     * them if there are several and {@code gathering} is not null, else of {@code first} alone.
     */
    static long write(WritableByteChannel target, GatheringByteChannel gathering, ByteBuffer[] buffers, int first)
            throws IOException {
        return gathering != null && first + 1 < buffers.length
                ? writeGathering(gathering, buffers, first) : writeOne(target, buffers[first]);
    }

    private static long writeOne(WritableByteChannel target, ByteBuffer buffer) throws IOException {
        int limit = buffer.limit();
        buffer.limit(limit - buffer.position() > Chunking.MAX_BYTES_PER_CALL
                ? buffer.position() + Chunking.MAX_BYTES_PER_CALL : limit);
        try {
            return target.write(buffer);
        } finally {
            buffer.limit(limit);
        }
    }

    /**
     * Writes buffers from {@code first} on in one call: at most
     * {@link Chunking#MAX_BUFFERS_PER_CALL} of them and
     * {@link Chunking#MAX_BYTES_PER_CALL} bytes, the last one cut short by
     * lowering its limit for the call.
     */
    private static long writeGathering(GatheringByteChannel gathering, ByteBuffer[] buffers, int first)
            throws IOException {
        int end = Math.min(buffers.length, first + Chunking.MAX_BUFFERS_PER_CALL);
        long budget = Chunking.MAX_BYTES_PER_CALL;
        for (int i = first; i < end; i++) {
            int remaining = buffers[i].remaining();
            if (remaining < budget) {
                budget -= remaining;
                continue;
            }
            ByteBuffer last = buffers[i];
            int limit = last.limit();
            last.limit(last.position() + (int) budget);
            try {
                return gathering.write(buffers, first, i - first + 1);
            } finally {
                last.limit(limit);
            }
        }
        return gathering.write(buffers, first, end - first);
    }

    @Override
    public int interestOps() {
        return SelectionKey.OP_WRITE;
    }

    @Override
    public String toString() {
        return "send of " + transferred + "/" + byteCount + " bytes in " + buffers.length + " buffers";
    }
}
