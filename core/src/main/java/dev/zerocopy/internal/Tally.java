package dev.zerocopy.internal;

import dev.zerocopy.FallbackCode;
import dev.zerocopy.FileMode;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.Progress;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
import java.time.Duration;
import java.util.function.Function;

/**
 * The running counts of one transfer that its report is made of (steps, steps that
 * moved nothing, waits, start and end times) and its progress listener's state. Kept
 * in plain fields, so a transfer that nobody follows or asks about allocates nothing
 * for them; {@link #report} builds a {@link TransferReport} only when asked.
 *
 * <p>The transfer counts its steps; the driver that waits for the channel counts its
 * waits here through {@link #of}, so the report, the JFR event and the process counters
 * read the same numbers. The view transfers extend this class rather than hold one, so that
 * a send or receive allocates nothing more for its counts.
 */
public class Tally {

    /** How to reach a {@link FileTransfer}'s tally, which is private to its package. */
    private static volatile Function<FileTransfer, Tally> fileTallies;

    private long steps;
    private long zeroReturns;
    private long waits;
    private boolean started;
    private long startNanos;
    private long endNanos;
    /** The progress state, only while a {@link Progress} follows the transfer. */
    private Follower follower;

    /** A tally of a transfer that has not stepped yet. */
    public Tally() {
    }

    /**
     * Starts the tally of a transfer whose first {@code steps} steps (of which {@code zeroReturns}
     * moved nothing) were counted elsewhere, starting at {@code startNanos}, and none finished it:
     * no waits, no end time, no progress listener. A transfer handed over by a blocking loop starts
     * this way, and so does a transfer object used for another call (the adapter keeps one per
     * socket and direction).
     */
    final void restart(long steps, long zeroReturns, long startNanos) {
        this.steps = steps;
        this.zeroReturns = zeroReturns;
        this.waits = 0;
        this.started = steps > 0;
        this.startNanos = startNanos;
        this.endNanos = 0;
        this.follower = null;
    }

    /** Lets {@link FileTransfer} hand out its tally to the drivers here and in the adapter. */
    public static void fileTallies(Function<FileTransfer, Tally> tallies) {
        fileTallies = tallies;
    }

    /** Returns the tally of one of the library's transfers, or null for any other. */
    public static Tally of(Transfer transfer) {
        if (transfer instanceof Tally tally) {
            return tally;
        }
        // An instance exists, so FileTransfer's class initialisation has registered the function.
        return transfer instanceof FileTransfer file ? fileTallies.apply(file) : null;
    }

    /** Follows the transfer with {@code progress} from now on; null stops following it. */
    public final void follow(Progress progress) {
        follower = progress == null ? null : new Follower(progress, started ? System.nanoTime() : 0);
    }

    /** Counts a step about to be made; the first one starts the clock. */
    public final void stepping() {
        if (!started) {
            started = true;
            startNanos = System.nanoTime();
            if (follower != null) {
                follower.lastCallNanos = startNanos;
                follower.lastProgressNanos = startNanos;
            }
        }
        steps++;
    }

    /** Records what a step moved, and tells the listener if it is due. */
    public final void stepped(long moved, long transferred, long byteCount) {
        if (moved == 0) {
            zeroReturns++;
        } else if (transferred == byteCount) {
            endNanos = System.nanoTime();
            if (follower != null) {
                follower.listener.progressed(transferred, byteCount);
            }
        } else if (follower != null) {
            follower.moved(transferred, byteCount);
        }
    }

    /** Stops the clock of a transfer that failed or was given up. */
    public final void ended() {
        if (started && endNanos == 0) {
            endNanos = System.nanoTime();
        }
    }

    /** Counts one wait for the channel. */
    public final void waited() {
        waits++;
    }

    public final long waits() {
        return waits;
    }

    /** The steps that moved nothing so far. */
    public final long zeroReturns() {
        return zeroReturns;
    }

    /** Whether the transfer has an idle timeout. */
    public final boolean idles() {
        return follower != null && follower.idleNanos != 0;
    }

    /** The idle timeout in milliseconds, for messages. */
    public final long idleTimeoutMillis() {
        return follower == null ? 0 : follower.idleNanos / 1_000_000;
    }

    /**
     * Nanoseconds left before the transfer has been idle for its idle timeout, at most 0
     * once it has; {@link Long#MAX_VALUE} without one. Thread-safe once the transfer started.
     */
    public final long idleRemainingNanos() {
        Follower f = follower;
        if (f == null || f.idleNanos == 0) {
            return Long.MAX_VALUE;
        }
        long last = f.lastProgressNanos;
        return last == 0 ? f.idleNanos : f.idleNanos - (System.nanoTime() - last);
    }

    /** The report of a view transfer. */
    public final TransferReport report(long transferred, long byteCount) {
        return report(transferred, byteCount, 0, 0, null, null, null);
    }

    /** The report of a transfer with these counts and, for a file transfer, these modes. */
    public final TransferReport report(long transferred, long byteCount, long zeroCopied, long copied, FileMode mode,
            FallbackCode fallbackCode, String fallbackReason) {
        long duration = !started ? 0 : (endNanos != 0 ? endNanos : System.nanoTime()) - startNanos;
        return new TransferReport(transferred, byteCount, zeroCopied, copied, mode, fallbackCode, fallbackReason,
                steps, zeroReturns, waits, Math.max(0, duration));
    }

    /** What following a transfer with a {@link Progress} needs between steps. */
    private static final class Follower {
        final Progress.Listener listener;
        final long intervalNanos;
        final long bytesBetweenCalls;
        /** Nanoseconds without progress that end the transfer, or 0 for no idle timeout. */
        final long idleNanos;
        long nextCallBytes;
        long lastCallNanos;
        /** When the last step moved bytes (or the first started); read by a watchdog's thread. */
        volatile long lastProgressNanos;

        Follower(Progress progress, long now) {
            listener = progress.listener();
            intervalNanos = saturatedNanos(progress.interval());
            bytesBetweenCalls = progress.bytes();
            idleNanos = progress.idleTimeout() == null ? 0 : Math.max(1, saturatedNanos(progress.idleTimeout()));
            nextCallBytes = bytesBetweenCalls;
            lastCallNanos = now;
            lastProgressNanos = now;
        }

        void moved(long transferred, long byteCount) {
            long now = System.nanoTime();
            if (idleNanos != 0) {
                lastProgressNanos = now;
            }
            if (transferred >= nextCallBytes && now - lastCallNanos >= intervalNanos) {
                lastCallNanos = now;
                nextCallBytes = transferred + bytesBetweenCalls;
                listener.progressed(transferred, byteCount);
            }
        }
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }
}
