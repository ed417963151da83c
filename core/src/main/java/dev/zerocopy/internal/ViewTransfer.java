package dev.zerocopy.internal;

import dev.zerocopy.Progress;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
import java.nio.ByteBuffer;

/**
 * What a send of views and a receive into a view share: the buffers they step through in order,
 * the counts and the report. A transfer may start part-way, with counts a blocking loop kept
 * itself until it had to hand them over (see {@link Blocking}). One object may serve call after call
 * on the same channel ({@link #restart}): the Kotlin adapter keeps one per socket and direction for
 * the calls that wait, so that waiting allocates no transfer.
 */
abstract class ViewTransfer extends Tally implements Transfer {

    private static final ByteBuffer[] NO_BUFFERS = new ByteBuffer[0];

    ByteBuffer[] buffers;
    long byteCount;
    /** Index of the first buffer that may still have bytes to move. */
    int current;
    long transferred;

    /** A transfer from the start: {@code byteCount} is what {@code buffers} hold from {@code current} on. */
    ViewTransfer(ByteBuffer[] buffers, int current, long byteCount) {
        this.buffers = buffers;
        this.current = current;
        this.byteCount = byteCount;
    }

    /** A transfer that has already made {@code steps} steps, counted from {@code startNanos}. */
    ViewTransfer(ByteBuffer[] buffers, int current, long byteCount, long transferred, long steps, long zeroReturns,
            long startNanos) {
        restart(buffers, current, byteCount, transferred, steps, zeroReturns, startNanos);
    }

    /** Makes this the transfer of another call, as the constructor with counts does. */
    final void restart(ByteBuffer[] buffers, int current, long byteCount, long transferred, long steps, long zeroReturns,
            long startNanos) {
        restart(steps, zeroReturns, startNanos);
        this.buffers = buffers;
        this.current = current;
        this.byteCount = byteCount;
        this.transferred = transferred;
    }

    /** Lets go of the buffers of the call that ended, so that a transfer kept for the next call holds no view. */
    void letGo() {
        buffers = NO_BUFFERS;
        current = 0;
    }

    /** The index of the first buffer from {@code index} on with bytes remaining, or {@code buffers.length}. */
    static int next(ByteBuffer[] buffers, int index) {
        while (index < buffers.length && !buffers[index].hasRemaining()) {
            index++;
        }
        return index;
    }

    /** The bytes the buffers hold from {@code from} on. */
    static long remaining(ByteBuffer[] buffers, int from) {
        long total = 0;
        for (int i = from; i < buffers.length; i++) {
            total += buffers[i].remaining();
        }
        return total;
    }

    @Override
    public final TransferReport report() {
        return report(transferred, byteCount);
    }

    @Override
    public final Transfer progress(Progress progress) {
        follow(progress);
        return this;
    }

    @Override
    public final boolean isComplete() {
        return transferred == byteCount;
    }

    @Override
    public final long transferred() {
        return transferred;
    }

    @Override
    public final long byteCount() {
        return byteCount;
    }
}
