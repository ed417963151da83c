package dev.zerocopy;

import java.time.Duration;
import java.util.Objects;

/**
 * How a caller follows a running transfer: a {@link Listener} told the bytes moved so
 * far at a bounded rate, and an optional idle timeout that ends a transfer which makes
 * no progress for that long. Immutable and thread-safe: one value may serve every
 * transfer of a server. Given to a transfer through {@link FileOptions#withProgress},
 * {@link Transfer#progress}, the blocking {@link ZeroCopy} calls that take one, or the
 * Kotlin adapter's {@code progress} parameter.
 *
 * <p><b>Rate.</b> The listener is called from inside a step, on the driver's thread,
 * only when at least {@link #interval()} has passed since its previous call (or since
 * the first step) <em>and</em> at least {@link #bytes()} more bytes have moved: never
 * for every step. It is called once more when the transfer completes, with the exact
 * total. A transfer that fails calls it no more: its exception's report has the exact
 * count. Following a transfer allocates nothing per step; it costs one
 * {@link System#nanoTime()} per step that moved bytes.
 *
 * <p><b>Idle timeout.</b> A driver that waits for the channel (the blocking loops, the
 * Kotlin adapter) ends a transfer that moved no byte for {@link #idleTimeout()} with a
 * {@link TransferTimeoutException} carrying its report; a slow transfer that keeps
 * moving is never cut. What the timeout leaves behind is as for any timeout (see
 * {@link ZeroCopy}): a blocking channel is closed, a non-blocking one stays open. A
 * caller that steps a {@link Transfer} itself enforces its own.
 */
public final class Progress {

    /** Told the bytes a transfer has moved so far. */
    @FunctionalInterface
    public interface Listener {

        /**
         * Receives the progress of a transfer. Called on the thread that steps the
         * transfer, inside the step: it must not block, and an exception it throws fails
         * the transfer with that exception.
         *
         * @param transferred the bytes moved so far
         * @param byteCount the bytes the transfer moves in all
         */
        void progressed(long transferred, long byteCount);
    }

    private static final Listener NOBODY = (transferred, byteCount) -> { };

    private final Duration interval;
    private final long bytes;
    private final Listener listener;
    private final Duration idleTimeout;

    private Progress(Duration interval, long bytes, Listener listener, Duration idleTimeout) {
        this.interval = interval;
        this.bytes = bytes;
        this.listener = listener;
        this.idleTimeout = idleTimeout;
    }

    /**
     * Returns a progress that calls {@code listener} at most every {@code interval}, and
     * only after at least {@code bytes} more bytes moved, whichever comes later.
     *
     * @param interval the least time between two calls; zero for no time bound
     * @param bytes the least bytes moved between two calls; at least 1
     * @param listener told the bytes so far
     * @return the progress, with no idle timeout
     * @throws IllegalArgumentException if {@code interval} is negative or {@code bytes} below 1
     */
    public static Progress every(Duration interval, long bytes, Listener listener) {
        Objects.requireNonNull(listener, "listener");
        if (interval.isNegative()) {
            throw new IllegalArgumentException("interval must be >= 0, was " + interval);
        }
        if (bytes < 1) {
            throw new IllegalArgumentException("bytes must be >= 1, was " + bytes);
        }
        return new Progress(interval, bytes, listener, null);
    }

    /**
     * Returns a progress with no listener that only ends a transfer which moves no byte
     * for {@code idleTimeout}.
     *
     * @param idleTimeout the longest time without progress
     * @return the progress
     * @throws IllegalArgumentException if {@code idleTimeout} is zero or negative
     */
    public static Progress ofIdleTimeout(Duration idleTimeout) {
        return new Progress(Duration.ZERO, Long.MAX_VALUE, NOBODY, checkedTimeout(idleTimeout));
    }

    /**
     * Returns this progress with an idle timeout; null for none.
     *
     * @param idleTimeout the longest time a transfer may move no byte, or null
     * @return a new progress
     * @throws IllegalArgumentException if {@code idleTimeout} is zero or negative
     */
    public Progress withIdleTimeout(Duration idleTimeout) {
        return new Progress(interval, bytes, listener, idleTimeout == null ? null : checkedTimeout(idleTimeout));
    }

    /**
     * Returns the least time between two calls of the listener.
     *
     * @return the interval
     */
    public Duration interval() {
        return interval;
    }

    /**
     * Returns the least bytes moved between two calls of the listener.
     *
     * @return bytes, at least 1
     */
    public long bytes() {
        return bytes;
    }

    /**
     * Returns the listener.
     *
     * @return the listener (one that does nothing for {@link #ofIdleTimeout})
     */
    public Listener listener() {
        return listener;
    }

    /**
     * Returns the idle timeout, or null if there is none.
     *
     * @return the longest time without progress, or null
     */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    @Override
    public String toString() {
        return "Progress[interval=" + interval + ", bytes=" + bytes + ", idleTimeout=" + idleTimeout + "]";
    }

    private static Duration checkedTimeout(Duration idleTimeout) {
        if (idleTimeout.isZero() || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("idle timeout must be positive, was " + idleTimeout);
        }
        return idleTimeout;
    }
}
