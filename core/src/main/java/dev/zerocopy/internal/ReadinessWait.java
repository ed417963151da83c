package dev.zerocopy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits, without spinning, until a channel that made no progress may make some.
 *
 * <p>A non-blocking {@link SelectableChannel} is waited on with a private
 * {@link Selector}, opened on the first wait (most blocking loops never need one)
 * and closed by {@link #close()}. Any other channel that reports zero progress
 * gives no readiness signal at all, so it is retried after a pause that grows
 * from 10 us to 1 ms and starts again after each step that moved bytes.
 */
public final class ReadinessWait implements Closeable {

    /**
     * Longest single wait on the selector. A channel closed by another thread does not
     * wake a selector it is registered with, so the wait wakes up this often to notice.
     */
    private static final long MAX_SELECT_MILLIS = 250;
    private static final long MIN_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Channel channel;
    private final int interestOps;
    private final Deadline deadline;
    private Selector selector;
    private long pauseNanos = MIN_PAUSE_NANOS;

    /**
     * @throws IllegalArgumentException if the deadline is bounded but the channel is a
     *     blocking selectable channel, whose calls no timeout can interrupt
     */
    public ReadinessWait(Channel channel, int interestOps, Deadline deadline) {
        if (deadline.isBounded() && channel instanceof SelectableChannel selectable && selectable.isBlocking()) {
            throw new IllegalArgumentException("a timeout needs a non-blocking channel: a blocking "
                    + channel.getClass().getSimpleName() + " call cannot be interrupted when it expires");
        }
        this.channel = channel;
        this.interestOps = interestOps;
        this.deadline = deadline;
    }

    public Deadline deadline() {
        return deadline;
    }

    /** Forgets the pauses so far: the last step moved bytes. */
    public void progressed() {
        pauseNanos = MIN_PAUSE_NANOS;
    }

    /**
     * Waits until the channel may be ready, the deadline passes or a pause ends.
     *
     * @return {@code false} if the deadline had already passed, {@code true} otherwise
     * @throws InterruptedIOException if the thread is interrupted (its interrupt status stays set)
     * @throws java.nio.channels.ClosedChannelException if the channel was closed by another thread
     */
    public boolean await(long transferred) throws IOException {
        long remaining = deadline.remainingNanos();
        if (remaining <= 0) {
            return false;
        }
        if (channel instanceof SelectableChannel selectable && !selectable.isBlocking()) {
            if (selector == null) {
                selector = Selector.open();
                selectable.register(selector, interestOps);
            }
            long millis = Math.min(MAX_SELECT_MILLIS, Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)));
            selector.select(millis);
            selector.selectedKeys().clear();
        } else {
            LockSupport.parkNanos(Math.min(pauseNanos, remaining));
            pauseNanos = Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
        }
        if (Thread.currentThread().isInterrupted()) {
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted while waiting, after " + transferred + " bytes");
            interrupted.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, transferred);
            throw interrupted;
        }
        if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
        return true;
    }

    /** Deregisters the channel and closes the selector, if one was opened. */
    @Override
    public void close() throws IOException {
        if (selector != null) {
            selector.close();
            selector = null;
        }
    }
}
