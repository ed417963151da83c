package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.EndOfStreamException;
import dev.zerocopy.Progress;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.util.Objects;

/**
 * Fills one view from a channel, piece after piece for a view held in several;
 * the end of stream before it is full is an error.
 */
public final class ViewReceiver extends Tally implements Transfer {

    private final ReadableByteChannel source;
    private final ByteBuffer[] buffers;
    private final long byteCount;
    private final String what;
    /** Index of the buffer being filled. */
    private int current;
    private long transferred;

    /**
     * @param what what the bytes are, for the end-of-stream message ("bytes", "frame header bytes")
     */
    public ViewReceiver(ReadableByteChannel source, ByteView view, String what) {
        this.source = Objects.requireNonNull(source, "source");
        if (view.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        this.buffers = view.buffers();
        this.byteCount = view.size();
        this.what = what;
    }

    public ViewReceiver(ReadableByteChannel source, ByteView view) {
        this(source, view, "bytes");
    }

    @Override
    public long step() throws IOException {
        while (current < buffers.length && !buffers[current].hasRemaining()) {
            current++;
        }
        if (current == buffers.length) {
            return 0;
        }
        stepping();
        int read;
        try {
            read = readCapped(source, buffers[current]);
        } catch (IOException | RuntimeException failed) {
            ended();
            throw failed;
        }
        if (read < 0) {
            ended();
            throw new EndOfStreamException(report(), what);
        }
        transferred += read;
        stepped(read, transferred, byteCount);
        return read;
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

    /** One read of at most {@link Chunking#MAX_BYTES_PER_CALL} bytes; the buffer's limit is restored. */
    static int readCapped(ReadableByteChannel source, ByteBuffer buffer) throws IOException {
        int limit = buffer.limit();
        if (limit - buffer.position() > Chunking.MAX_BYTES_PER_CALL) {
            buffer.limit(buffer.position() + Chunking.MAX_BYTES_PER_CALL);
        }
        try {
            return source.read(buffer);
        } finally {
            buffer.limit(limit);
        }
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
        return SelectionKey.OP_READ;
    }

    @Override
    public String toString() {
        return "receive of " + transferred + "/" + byteCount + " " + what;
    }
}
