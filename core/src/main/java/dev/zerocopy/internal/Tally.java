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
 * read the same numbers.
 */
public final class Tally {

    /** How to reach a {@link FileTransfer}'s tally, which is private to its package. */
    private static volatile Function<FileTransfer, Tally> fileTallies;

    private long steps;
    private long zeroReturns;
    private long waits;
    private boolean started;
    private long startNanos;
    private long endNanos;

    private Progress.Listener listener;
    private long intervalNanos;
    private long bytesBetweenCalls;
    private long nextCallBytes;
    private long lastCallNanos;
    /** Nanoseconds without progress that end the transfer, or 0 for no idle timeout. */
    private long idleNanos;
    /** When the last step moved bytes (or the first started); read by a watchdog's thread. */
    private volatile long lastProgressNanos;

    /** Lets {@link FileTransfer} hand out its tally to the drivers here and in the adapter. */
    public static void fileTallies(Function<FileTransfer, Tally> tallies) {
        fileTallies = tallies;
    }

    /** Returns the tally of one of the library's transfers, or null for any other. */
    public static Tally of(Transfer transfer) {
        if (transfer instanceof ViewSender sender) {
            return sender.tally;
        }
        if (transfer instanceof ViewReceiver receiver) {
            return receiver.tally;
        }
        // An instance exists, so FileTransfer's class initialisation has registered the function.
        return transfer instanceof FileTransfer file ? fileTallies.apply(file) : null;
    }

    /** Follows the transfer with {@code progress} from now on; null stops following it. */
    public void progress(Progress progress) {
        if (progress == null) {
            listener = null;
            idleNanos = 0;
            return;
        }
        listener = progress.listener();
        intervalNanos = saturatedNanos(progress.interval());
        bytesBetweenCalls = progress.bytes();
        nextCallBytes = bytesBetweenCalls;
        idleNanos = progress.idleTimeout() == null ? 0 : Math.max(1, saturatedNanos(progress.idleTimeout()));
        lastCallNanos = started ? System.nanoTime() : 0;
        lastProgressNanos = lastCallNanos;
    }

    /** Counts a step about to be made; the first one starts the clock. */
    public void stepping() {
        if (!started) {
            started = true;
            startNanos = System.nanoTime();
            lastCallNanos = startNanos;
            lastProgressNanos = startNanos;
        }
        steps++;
    }

    /** Records what a step moved, and tells the listener if it is due. */
    public void stepped(long moved, long transferred, long byteCount) {
        if (moved == 0) {
            zeroReturns++;
            return;
        }
        if (transferred == byteCount) {
            endNanos = System.nanoTime();
            if (listener != null) {
                listener.progressed(transferred, byteCount);
            }
            return;
        }
        if (listener == null) {
            return;
        }
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

    /** Stops the clock of a transfer that failed or was given up. */
    public void ended() {
        if (started && endNanos == 0) {
            endNanos = System.nanoTime();
        }
    }

    /** Counts one wait for the channel. */
    public void waited() {
        waits++;
    }

    public long waits() {
        return waits;
    }

    /** Whether the transfer has an idle timeout. */
    public boolean idles() {
        return idleNanos != 0;
    }

    /** The idle timeout in milliseconds, for messages. */
    public long idleTimeoutMillis() {
        return idleNanos / 1_000_000;
    }

    /**
     * Nanoseconds left before the transfer has been idle for its idle timeout, at most 0
     * once it has; {@link Long#MAX_VALUE} without one. Thread-safe.
     */
    public long idleRemainingNanos() {
        if (idleNanos == 0) {
            return Long.MAX_VALUE;
        }
        long last = lastProgressNanos;
        long now = System.nanoTime();
        return last == 0 ? idleNanos : idleNanos - (now - last);
    }

    /** The report of a view transfer. */
    public TransferReport report(long transferred, long byteCount) {
        return report(transferred, byteCount, 0, 0, null, null, null);
    }

    /** The report of a transfer with these counts and, for a file transfer, these modes. */
    public TransferReport report(long transferred, long byteCount, long zeroCopied, long copied, FileMode mode,
            FallbackCode fallbackCode, String fallbackReason) {
        long duration = !started ? 0 : (endNanos != 0 ? endNanos : System.nanoTime()) - startNanos;
        return new TransferReport(transferred, byteCount, zeroCopied, copied, mode, fallbackCode, fallbackReason,
                steps, zeroReturns, waits, Math.max(0, duration));
    }

    private static long saturatedNanos(Duration duration) {
        try {
            return duration.toNanos();
        } catch (ArithmeticException tooLong) {
            return Long.MAX_VALUE / 4;
        }
    }
}
