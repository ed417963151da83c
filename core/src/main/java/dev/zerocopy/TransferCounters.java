package dev.zerocopy;

import dev.zerocopy.internal.Counters;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * A snapshot of this process's transfer counters, which count from the start of the
 * process and only grow: the bytes file transfers moved by each mode, their fallbacks by
 * code, how many started and how they ended, the waits for readiness of every driver, and
 * the transfers of any kind that a timeout or (in the Kotlin adapter) a cancellation ended.
 * Pool figures are per pool: {@link ViewPool#figures()}.
 *
 * <p>The counters are striped adders, updated without locks as transfers step; a snapshot
 * reads them one after another, so while transfers run, its figures may disagree by the
 * steps that happened during the read (for instance {@link #active()} may be off by one).
 * A file transfer adds its bytes every 16 steps and when it ends (complete, failed or
 * closed), so the byte counts are exact for every ended transfer and trail one in progress
 * by at most its last 16 steps.
 *
 * @param zeroCopiedBytes bytes file transfers moved by zero-copy ({@code transferTo} or
 *     {@code transferFrom})
 * @param copiedBytes bytes file transfers moved through user space: the copy loop, and the
 *     small pieces a zero-copy send writes to wait for a full blocking socket
 * @param fallbacks for each code, the file transfers that ran the copy loop for that reason
 *     (a transfer that fell back part-way counts once); every code is present
 * @param started file transfers that took their first step
 * @param completed file transfers that moved their whole range
 * @param failed file transfers that ended incomplete: a step threw, or they were closed first
 * @param waits the times a driver waited for a channel to become ready: the blocking loops
 *     (views, frames and files), the Kotlin adapter's selector, and a zero-copy send's
 *     writability pieces on a blocking socket
 * @param timeouts transfers of any kind (views, frames, files) that a timeout or an idle
 *     timeout ended, in every driver: {@link TransferTimeoutException}s thrown
 * @param cancellations transfers of the Kotlin adapter that the cancellation of their
 *     coroutine ended ({@code withTimeout} included)
 */
public record TransferCounters(long zeroCopiedBytes, long copiedBytes, Map<FallbackCode, Long> fallbacks,
        long started, long completed, long failed, long waits, long timeouts, long cancellations) {

    /**
     * Creates a snapshot; {@link #snapshot()} takes the process's own.
     *
     * @param zeroCopiedBytes bytes moved by zero-copy
     * @param copiedBytes bytes moved through user space
     * @param fallbacks file transfers by fallback code; copied
     * @param started file transfers started
     * @param completed file transfers completed
     * @param failed file transfers that ended incomplete
     * @param waits waits for readiness
     * @param timeouts transfers ended by a timeout
     * @param cancellations adapter transfers ended by cancellation
     * @throws IllegalArgumentException if {@code fallbacks} lacks a code
     */
    public TransferCounters {
        fallbacks = Collections.unmodifiableMap(new EnumMap<>(fallbacks));
        if (fallbacks.size() != FallbackCode.values().length) {
            throw new IllegalArgumentException("fallbacks has " + fallbacks.size() + " of "
                    + FallbackCode.values().length + " codes: " + fallbacks.keySet());
        }
    }

    /**
     * Reads the process's counters as they are now. Thread-safe, lock-free, and cheap
     * enough to call from a metrics scrape.
     *
     * @return a snapshot
     */
    public static TransferCounters snapshot() {
        Map<FallbackCode, Long> fallbacks = new EnumMap<>(FallbackCode.class);
        for (FallbackCode code : FallbackCode.values()) {
            fallbacks.put(code, Counters.fallbacks(code));
        }
        long completed = Counters.completed();
        long failed = Counters.failed();
        // Read last, so that a transfer that ended during the read is never counted as ended
        // without having started.
        long started = Counters.started();
        return new TransferCounters(Counters.zeroCopied(), Counters.copied(), fallbacks, started, completed, failed,
                Counters.waits(), Counters.timeouts(), Counters.cancellations());
    }

    /**
     * Returns the file transfers that started and have not ended yet.
     *
     * @return {@code started - completed - failed}, at least 0
     */
    public long active() {
        return Math.max(0, started - completed - failed);
    }

    /**
     * Returns the file transfers counted under {@code code}.
     *
     * @param code the fallback code
     * @return the count
     */
    public long fallbacks(FallbackCode code) {
        return fallbacks.get(code);
    }

    /**
     * Returns what the counters moved between {@code earlier} and this snapshot: each count
     * of this one less the same count of {@code earlier}. For "what did this run do" when the
     * process does other work too, take a snapshot before and subtract it from one after.
     *
     * @param earlier a snapshot taken before this one
     * @return the differences, count by count
     */
    public TransferCounters minus(TransferCounters earlier) {
        return combine(earlier, -1);
    }

    /**
     * Returns the sum of this snapshot and {@code other}, count by count: for adding up the
     * counters of several processes.
     *
     * @param other the counters to add
     * @return the sums
     */
    public TransferCounters plus(TransferCounters other) {
        return combine(other, 1);
    }

    private TransferCounters combine(TransferCounters other, int sign) {
        Map<FallbackCode, Long> sums = new EnumMap<>(FallbackCode.class);
        for (FallbackCode code : FallbackCode.values()) {
            sums.put(code, fallbacks(code) + sign * other.fallbacks(code));
        }
        return new TransferCounters(zeroCopiedBytes + sign * other.zeroCopiedBytes, copiedBytes + sign * other.copiedBytes,
                sums, started + sign * other.started, completed + sign * other.completed, failed + sign * other.failed,
                waits + sign * other.waits, timeouts + sign * other.timeouts, cancellations + sign * other.cancellations);
    }
}
