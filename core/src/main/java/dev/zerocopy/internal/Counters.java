package dev.zerocopy.internal;

import dev.zerocopy.FallbackCode;
import java.util.concurrent.atomic.LongAdder;

/**
 * The process-wide counters behind {@link dev.zerocopy.TransferCounters}: striped adders, so
 * that transfers on many threads add to them without contending, at the few places where a
 * transfer starts, moves bytes, waits or ends.
 */
public final class Counters {

    private static final LongAdder ZERO_COPIED = new LongAdder();
    private static final LongAdder COPIED = new LongAdder();
    private static final LongAdder STARTED = new LongAdder();
    private static final LongAdder COMPLETED = new LongAdder();
    private static final LongAdder FAILED = new LongAdder();
    private static final LongAdder WAITS = new LongAdder();
    private static final LongAdder TIMEOUTS = new LongAdder();
    private static final LongAdder CANCELLATIONS = new LongAdder();
    private static final FallbackCode[] CODES = FallbackCode.values();
    private static final LongAdder[] FALLBACKS = new LongAdder[CODES.length];

    static {
        for (int i = 0; i < FALLBACKS.length; i++) {
            FALLBACKS[i] = new LongAdder();
        }
    }

    private Counters() {
    }

    /** Counts a file transfer's first step, and the fallback it starts with, if any. */
    public static void started(FallbackCode fallback) {
        STARTED.increment();
        if (fallback != null) {
            fellBack(fallback);
        }
    }

    /** Counts a fallback that happened part-way through a transfer. */
    public static void fellBack(FallbackCode fallback) {
        FALLBACKS[fallback.ordinal()].increment();
    }

    /** Adds the bytes one step moved, by the way they moved. */
    public static void moved(long zeroCopied, long copied) {
        if (zeroCopied != 0) {
            ZERO_COPIED.add(zeroCopied);
        }
        if (copied != 0) {
            COPIED.add(copied);
        }
    }

    /** Counts a started transfer that ended, complete or not. */
    public static void ended(boolean completed) {
        (completed ? COMPLETED : FAILED).increment();
    }

    /** Counts one wait for a channel's readiness (or, on a blocking channel, for writability). */
    public static void waited() {
        WAITS.increment();
    }

    /** Counts a transfer that ended with a timeout (its deadline or its idle timeout), in any driver. */
    public static void timedOut() {
        TIMEOUTS.increment();
    }

    /** Counts a transfer of the Kotlin adapter that its coroutine's cancellation ended. */
    public static void cancelled() {
        CANCELLATIONS.increment();
    }

    public static long timeouts() {
        return TIMEOUTS.sum();
    }

    public static long cancellations() {
        return CANCELLATIONS.sum();
    }

    public static long zeroCopied() {
        return ZERO_COPIED.sum();
    }

    public static long copied() {
        return COPIED.sum();
    }

    public static long started() {
        return STARTED.sum();
    }

    public static long completed() {
        return COMPLETED.sum();
    }

    public static long failed() {
        return FAILED.sum();
    }

    public static long waits() {
        return WAITS.sum();
    }

    public static long fallbacks(FallbackCode code) {
        return FALLBACKS[code.ordinal()].sum();
    }
}
