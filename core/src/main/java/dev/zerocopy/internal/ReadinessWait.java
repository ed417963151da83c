package dev.zerocopy.internal;

import java.io.Closeable;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Waits, without spinning, until a channel that made no progress may make some.
 *
 * <p>A non-blocking {@link SelectableChannel} is waited on through the process's
 * shared {@link Poller}: the thread parks until the poller sees the channel ready, and
 * the wait opens no descriptor. Any other channel that reports zero progress gives no
 * readiness signal at all, so it is retried after a pause that grows from 10 us to 1 ms
 * and starts again after each step that moved bytes.
 */
public final class ReadinessWait implements Closeable {

    /**
     * Longest single park. A channel closed by another thread does not wake the poller,
     * so the wait wakes up this often to notice.
     */
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(250);
    private static final long MIN_PAUSE_NANOS = TimeUnit.MICROSECONDS.toNanos(10);
    private static final long MAX_PAUSE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    private final Channel channel;
    private final int interestOps;
    private final Deadline deadline;
    private Poller.Registration registration;
    private long pauseNanos = MIN_PAUSE_NANOS;
    private long waits;
    /** The transfer whose idle timeout also bounds the waits, or null. */
    private Tally idle;

    public ReadinessWait(Channel channel, int interestOps, Deadline deadline) {
        this.channel = channel;
        this.interestOps = interestOps;
        this.deadline = deadline;
    }

    public Deadline deadline() {
        return deadline;
    }

    /** Bounds the waits by the idle timeout of the transfer {@code idle} counts, too. */
    public void idle(Tally idle) {
        this.idle = idle != null && idle.idles() ? idle : null;
    }

    private long remainingNanos() {
        long remaining = deadline.remainingNanos();
        return idle == null ? remaining : Math.min(remaining, idle.idleRemainingNanos());
    }

    /** Forgets the pauses so far: the last step moved bytes. */
    public void progressed() {
        pauseNanos = MIN_PAUSE_NANOS;
    }

    /**
     * Waits until the channel may be ready or the deadline (or the idle timeout) passes.
     *
     * @return {@code false} if the deadline or the idle timeout passed, {@code true} otherwise
     * @throws InterruptedIOException if the thread is interrupted (its interrupt status stays set)
     * @throws java.nio.channels.ClosedChannelException if the channel was closed by another thread
     */
    public boolean await(long transferred) throws IOException {
        long remaining = remainingNanos();
        if (remaining <= 0) {
            return false;
        }
        waits++;
        Counters.waited();
        if (channel instanceof SelectableChannel selectable && !selectable.isBlocking()) {
            if (registration == null) {
                registration = Poller.shared().open(selectable, interestOps);
            }
            registration.arm();
            while (!registration.ready()) {
                LockSupport.parkNanos(this, Math.min(MAX_PARK_NANOS, remaining));
                checkInterruptAndClose(transferred);
                remaining = remainingNanos();
                if (remaining <= 0) {
                    return false;
                }
            }
        } else {
            LockSupport.parkNanos(Math.min(pauseNanos, remaining));
            pauseNanos = Math.min(MAX_PAUSE_NANOS, pauseNanos * 2);
        }
        checkInterruptAndClose(transferred);
        return true;
    }

    private void checkInterruptAndClose(long transferred) throws IOException {
        if (Thread.currentThread().isInterrupted()) {
            InterruptedIOException interrupted =
                    new InterruptedIOException("interrupted while waiting, after " + transferred + " bytes");
            interrupted.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, transferred);
            throw interrupted;
        }
        if (!channel.isOpen()) {
            throw new AsynchronousCloseException();
        }
    }

    /** Returns the times {@link #await} waited. */
    public long waits() {
        return waits;
    }

    /** Deregisters the channel from the shared poller, if it was ever waited on, before returning. */
    @Override
    public void close() {
        if (registration != null) {
            registration.close();
            registration = null;
        }
    }
}
