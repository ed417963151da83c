package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.EndOfStreamException;
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
public final class ViewReceiver extends ViewTransfer {

    private final ReadableByteChannel source;
    /** Not final: a receive made again for another call ({@link #restart}) may name its bytes otherwise. */
    private String what;

    /**
     * @param what what the bytes are, for the end-of-stream message ("bytes", "frame header bytes")
     */
    public ViewReceiver(ReadableByteChannel source, ByteView view, String what) {
        this(Objects.requireNonNull(source, "source"), writable(view).buffers(), 0, view.size(), what);
    }

    public ViewReceiver(ReadableByteChannel source, ByteView view) {
        this(source, view, "bytes");
    }

    /** A receive that fills {@code buffers} from {@code current} on with {@code byteCount} bytes, none yet. */
    ViewReceiver(ReadableByteChannel source, ByteBuffer[] buffers, int current, long byteCount, String what) {
        super(buffers, current, byteCount);
        this.source = source;
        this.what = what;
    }

    /** A receive that a blocking loop started and hands over with its counts (see {@link Tally#restart}). */
    ViewReceiver(ReadableByteChannel source, ByteBuffer[] buffers, int current, long byteCount, String what,
            long transferred, long steps, long zeroReturns, long startNanos) {
        super(buffers, current, byteCount, transferred, steps, zeroReturns, startNanos);
        this.source = source;
        this.what = what;
    }

    /** Makes this the receive of another call from the same source, as the constructor with counts does. */
    void restart(ByteBuffer[] buffers, int current, long byteCount, String what, long transferred, long steps,
            long zeroReturns, long startNanos) {
        restart(buffers, current, byteCount, transferred, steps, zeroReturns, startNanos);
        this.what = what;
    }

    /** Whether this receives from {@code source}. */
    boolean from(ReadableByteChannel source) {
        return this.source == source;
    }

    /**
     * Returns {@code view} if it can be received into.
     *
     * @throws ReadOnlyBufferException if it is read-only
     */
    static ByteView writable(ByteView view) {
        if (view.isReadOnly()) {
            throw new ReadOnlyBufferException();
        }
        return view;
    }

    @Override
    public long step() throws IOException {
        current = next(buffers, current);
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
            throw endOfStream();
        }
        transferred += read;
        stepped(read, transferred, byteCount);
        return read;
    }

    /** Ends the receive at the end of stream: the exception to throw, with its counts. */
    EndOfStreamException endOfStream() {
        ended();
        return new EndOfStreamException(report(), what);
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
    public int interestOps() {
        return SelectionKey.OP_READ;
    }

    @Override
    public String toString() {
        return "receive of " + transferred + "/" + byteCount + " " + what;
    }
}
