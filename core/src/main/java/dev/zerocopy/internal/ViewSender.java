package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.Progress;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
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
public final class ViewSender extends Tally implements Transfer {

    private final WritableByteChannel target;
    private final GatheringByteChannel gathering;
    private final ByteBuffer[] buffers;
    private final long byteCount;
    private long transferred;
    /** Index of the first buffer that may still have bytes to send. */
    private int first;

    public ViewSender(WritableByteChannel target, ByteView... views) {
        this.target = Objects.requireNonNull(target, "target");
        this.gathering = target instanceof GatheringByteChannel g ? g : null;
        if (views.length == 1) {
            // The common send of one view: its fresh buffers are the list, with nothing gathered around them.
            this.buffers = views[0].buffers();
            this.byteCount = views[0].size();
            return;
        }
        List<ByteBuffer> all = new ArrayList<>(views.length);
        long total = 0;
        for (ByteView view : views) {
            for (ByteBuffer buffer : view.buffers()) {
                all.add(buffer);
                total += buffer.remaining();
            }
        }
        this.buffers = all.toArray(new ByteBuffer[0]);
        this.byteCount = total;
    }

    @Override
    public long step() throws IOException {
        while (first < buffers.length && !buffers[first].hasRemaining()) {
            first++;
        }
        if (first == buffers.length) {
            return 0;
        }
        stepping();
        long written;
        try {
            written = gathering != null && first + 1 < buffers.length ? writeGathering() : writeOne();
        } catch (IOException | RuntimeException failed) {
            ended();
            throw failed;
        }
        transferred += written;
        stepped(written, transferred, byteCount);
        return written;
    }

    @Override
    public TransferReport report() {
        return report(transferred, byteCount);
    }

    @Override
    public Transfer progress(Progress progress) {
        follow(progress);
        return this;
    }

    private long writeOne() throws IOException {
        ByteBuffer buffer = buffers[first];
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
    private long writeGathering() throws IOException {
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
    public boolean isComplete() {
        return transferred == byteCount;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long byteCount() {
        return byteCount;
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
