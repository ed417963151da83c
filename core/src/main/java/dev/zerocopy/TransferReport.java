package dev.zerocopy;

import java.time.Duration;

/**
 * What one transfer did, as far as it got: the same record for a file range and for
 * views, from every driver (the blocking loops, a caller stepping a {@link Transfer},
 * the Kotlin adapter and its futures). A completed {@link FileTransfer} returns it from
 * {@link FileTransfer#report()}; every exception a transfer throws carries the report
 * of the moment it failed ({@link EndOfStreamException#report()},
 * {@link TransferTimeoutException#report()}, {@link TransferException#report()}), so a
 * caller learns the exact bytes moved however the transfer ended.
 *
 * <p>A report is an immutable snapshot, made only when asked for or when a transfer
 * fails: a transfer keeps its counts in plain fields while it runs, so a successful
 * send or receive allocates no report unless the caller asks for one. The process-wide
 * {@link TransferCounters} and the JFR event {@code dev.zerocopy.Transfer} are fed from
 * the same counts.
 *
 * <p><b>Bytes by mode.</b> For a file transfer {@link #zeroCopied()} and
 * {@link #copied()} split {@link #transferred()} by how the bytes moved. A view transfer
 * writes or reads the view's own memory, neither by {@code transferTo} nor through a
 * pooled copy buffer: both are 0 and {@link #mode()} is null.
 *
 * @param transferred the bytes moved: for a send, bytes written to the channel; for a
 *     receive, bytes placed in the view or the file
 * @param byteCount the bytes the transfer was to move
 * @param zeroCopied the bytes a file transfer moved by zero-copy ({@code transferTo} or
 *     {@code transferFrom}); 0 for views
 * @param copied the bytes a file transfer moved through user space (the copy loop, and
 *     the small pieces a zero-copy send writes to wait for a full blocking socket); 0 for views
 * @param mode the mode a file transfer ran last, {@link FileMode#ZERO_COPY} or
 *     {@link FileMode#COPY}; null for views
 * @param fallbackCode why a file transfer ran the copy loop, or null (see
 *     {@link FileTransfer#fallbackCode()})
 * @param fallbackReason the free-text particulars of {@code fallbackCode}, or null
 * @param steps the read or write calls made ({@link Transfer#step()} calls, the failing one included)
 * @param zeroReturns the steps that moved nothing (the channel would have blocked)
 * @param waits the times the transfer waited for its channel: a driver's waits for
 *     readiness, and a zero-copy send's writability pieces on a blocking socket
 * @param durationNanos nanoseconds from the first step to the end (or to the report, for
 *     a transfer still running); 0 before the first step
 */
public record TransferReport(long transferred, long byteCount, long zeroCopied, long copied, FileMode mode,
        FallbackCode fallbackCode, String fallbackReason, long steps, long zeroReturns, long waits,
        long durationNanos) {

    /**
     * Returns the report of a transfer known only by its counts: no steps, no time,
     * no mode. For failures found outside a {@link Transfer}.
     *
     * @param transferred the bytes moved
     * @param byteCount the bytes to move
     * @return the report
     */
    public static TransferReport of(long transferred, long byteCount) {
        return new TransferReport(transferred, byteCount, 0, 0, null, null, null, 0, 0, 0, 0);
    }

    /**
     * Checks the figures.
     *
     * @param transferred the bytes moved
     * @param byteCount the bytes to move
     * @param zeroCopied bytes moved by zero-copy
     * @param copied bytes moved through user space
     * @param mode the file mode that ran, or null
     * @param fallbackCode the fallback code, or null
     * @param fallbackReason the fallback's particulars, or null
     * @param steps the steps made
     * @param zeroReturns the steps that moved nothing
     * @param waits the waits for the channel
     * @param durationNanos the duration in nanoseconds
     * @throws IllegalArgumentException if a count is negative, {@code transferred} exceeds
     *     {@code byteCount}, or the bytes by mode exceed {@code transferred}
     */
    public TransferReport {
        if (transferred < 0 || byteCount < 0 || zeroCopied < 0 || copied < 0 || steps < 0 || zeroReturns < 0
                || waits < 0 || durationNanos < 0) {
            throw new IllegalArgumentException("negative count in " + describe(transferred, byteCount, zeroCopied,
                    copied, steps, zeroReturns, waits, durationNanos));
        }
        if (transferred > byteCount || zeroCopied + copied > transferred) {
            throw new IllegalArgumentException("inconsistent counts in " + describe(transferred, byteCount,
                    zeroCopied, copied, steps, zeroReturns, waits, durationNanos));
        }
    }

    /**
     * Tells whether every byte was moved.
     *
     * @return {@code transferred() == byteCount()}
     */
    public boolean isComplete() {
        return transferred == byteCount;
    }

    /**
     * Returns {@link #durationNanos()} as a {@link Duration}.
     *
     * @return the time from the first step to the end
     */
    public Duration duration() {
        return Duration.ofNanos(durationNanos);
    }

    @Override
    public String toString() {
        return describe(transferred, byteCount, zeroCopied, copied, steps, zeroReturns, waits, durationNanos)
                + (mode == null ? "" : ", " + mode) + (fallbackCode == null ? "" : " (" + fallbackCode
                + (fallbackReason == null ? "" : ": " + fallbackReason) + ")");
    }

    private static String describe(long transferred, long byteCount, long zeroCopied, long copied, long steps,
            long zeroReturns, long waits, long durationNanos) {
        return transferred + " of " + byteCount + " bytes (" + zeroCopied + " zero-copy, " + copied + " copied) in "
                + steps + " steps (" + zeroReturns + " moved nothing), " + waits + " waits, "
                + (durationNanos / 1000) + " us";
    }
}
