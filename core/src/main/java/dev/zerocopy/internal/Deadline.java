package dev.zerocopy.internal;

import java.time.Duration;

/** A point in {@link System#nanoTime()} time by which a blocking call must finish, or none. */
public final class Deadline {

    /** No deadline: wait as long as it takes. */
    public static final Deadline NONE = new Deadline(0, 0, false);

    private final long timeoutMillis;
    private final long at;
    private final boolean bounded;

    private Deadline(long timeoutMillis, long at, boolean bounded) {
        this.timeoutMillis = timeoutMillis;
        this.at = at;
        this.bounded = bounded;
    }

    /**
     * Starts a deadline {@code timeout} from now.
     *
     * @throws IllegalArgumentException if the timeout is zero or negative
     */
    public static Deadline after(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        long nanos = saturatedNanos(timeout);
        return new Deadline(timeout.toMillis(), System.nanoTime() + nanos, true);
    }

    public boolean isBounded() {
        return bounded;
    }

    /** Nanoseconds left, at most 0 once passed; {@link Long#MAX_VALUE} when unbounded. */
    public long remainingNanos() {
        return bounded ? at - System.nanoTime() : Long.MAX_VALUE;
    }

    /** The timeout this deadline was started with, for messages. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    private static long saturatedNanos(Duration timeout) {
        try {
            return Math.min(timeout.toNanos(), Long.MAX_VALUE / 4);
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }
}
