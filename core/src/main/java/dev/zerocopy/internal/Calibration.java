package dev.zerocopy.internal;

import dev.zerocopy.FileMode;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What {@link FileMode#AUTO} has measured in this process, per class of peer, and the
 * choice it makes from it.
 *
 * <p>Whether zero-copy or the copy loop is faster depends on the machine and its load,
 * not on a rule, so the process measures the thing that matters: the bytes per second
 * that all its automatic sends to one class of peer move together. A send's own rate
 * does not tell it: when both modes run side by side on a contended CPU, a copy-loop
 * send takes a bigger share of the CPU for itself, so its rate overstates what the
 * mode gives the process.
 *
 * <p><b>Periods of one mode.</b> Every new automatic send of at least 1 MiB to a class
 * of peer takes the mode of the class's current period; sends in flight keep the mode
 * they started with. Each step of such a send adds the bytes it moved to its mode's
 * counter (one atomic add; the only cost on the hot path besides reading the clock).
 * Every {@value #WINDOW_MILLIS} ms, the step that finds the window over closes it: the
 * window's rate is its bytes over its time with at least one send in flight. Idle time is
 * not counted: a window with less than half its length of sending stays open until it has
 * that much, and is dropped if that takes more than 2 s.
 * A window counts only if the sends in flight were steady (on average over its sending
 * time at least three quarters of the most at once: a window where sends run down says
 * more about that than about the mode), if it does not overlap the first window of sending
 * after a pause of a window or more (new connections and cold caches ramp up there, and
 * would bias whichever mode is measured then; but never two windows in a row, so sends that
 * come and go with pauses are still measured), if it is not one of the process's first
 * {@value #COPY_WARM_UP_WINDOWS} windows of the copy loop while the copy loop is the mode taken
 * (see below), and for a mode only if that mode carried at
 * least {@value #PURE_PERCENT} % of its bytes; while sends of the previous period are still
 * in flight, windows are mixed and count for neither.
 *
 * <p><b>Comparisons.</b> The two modes are compared in the order A, B, A: the last
 * {@value #BEFORE_WINDOWS} counted windows of the mode taken so far (A), a period of
 * {@value #OTHER_WINDOWS} windows of the other (B), then {@value #BEFORE_WINDOWS} more of A.
 * B's rate is set against A's on both sides of it, so a load that drifts during the
 * comparison (other processes starting or stopping work on a shared machine) weighs on
 * both alike, and each side rests on {@value #OTHER_WINDOWS} windows, so one noisy window
 * cannot decide. The first comparison starts with the mode a class of peer takes before
 * anything is measured (zero-copy to remote peers, the copy loop on this machine, as for the
 * sends too short to measure), so that in a process's first seconds the mode likelier to
 * lose runs one period of three, not two; it takes the faster. Later
 * ones replace the mode taken only if the other was more than {@value #MARGIN_PERCENT} %
 * faster, so modes within noise of each other do not flip back and forth. The mode is taken
 * for a period of {@value #TAKE_WINDOWS} windows, doubled each time a comparison confirms it
 * (at most {@value #MAX_TAKE_WINDOWS}), and back to {@value #TAKE_WINDOWS} when the choice
 * changes or the other came within the margin. When sends outlast the comparison's periods
 * (a period gives up after {@value #PERIOD_LIMIT} windows of sending), the mode is taken for
 * at least four times as long as the comparison took, so measuring costs at most a fifth of
 * the time. A wrong choice in a noisy moment is thus short-lived, and a
 * choice confirmed again and again is measured rarely. A tie goes to zero-copy, which costs
 * less CPU per byte.
 *
 * <p><b>The copy loop's first second.</b> The JIT compiles the copy loop during its first
 * second or so of sending in a process: over loopback, its first ten windows in a fresh JVM ran
 * 0.5 to 0.9x its rate after them, while zero-copy, which runs in the kernel, was at its rate
 * from the second window on. The copy loop's first {@value #COPY_WARM_UP_WINDOWS} windows of
 * sending (to any class of peer: the JIT is one for the process) are therefore not counted
 * while it is the mode taken, as in the first period to peers on this machine: measured cold
 * there, it lost comparisons that it wins once compiled, and the margin then kept the loser.
 * Measured cold as the other mode, it can only err towards keeping the mode taken, which a
 * later comparison, with the loop compiled, changes if the loop is faster by more than the
 * margin; those windows count, so that a comparison's periods stay side by side.
 *
 * <p><b>CPU time is not measured.</b> Thread CPU time ({@code ThreadMXBean}) is -1 on a
 * virtual thread (JDK 21 to 25), the threads most automatic sends run on; the process's CPU
 * time mixes every thread's work (the receiving side too, over loopback) and ticks in 10 ms
 * on some kernels. Where CPU is short, the aggregate rate already shows which mode costs
 * less of it.
 *
 * <p>Transfers smaller than 1 MiB are too short to measure: they are not counted and take
 * the measured choice, or, before there is one, zero-copy to remote peers and the copy
 * loop on this machine. Thread-safe: the counters are atomic and everything else is
 * guarded by the peer class's lock, taken once per send and once per window. Nothing is
 * allocated per step or per window.
 */
public final class Calibration {

    /** The peers whose transfers are measured together. */
    public enum PeerClass {
        /** Loopback, this machine's own addresses, Unix-domain sockets and pipes. */
        LOCAL("peers on this machine"),
        /** Peers behind a network interface. */
        REMOTE("remote peers");

        private final String description;

        PeerClass(String description) {
            this.description = description;
        }

        @Override
        public String toString() {
            return description;
        }
    }

    /** A choice, why it was made, and whether the transfer is counted in the measurement. */
    public record Decision(PeerClass peers, FileMode mode, String reason, boolean measured) {
    }

    static final long MIN_MEASURED_BYTES = 1 << 20;
    static final int WINDOW_MILLIS = 100;
    static final long WINDOW_NANOS = WINDOW_MILLIS * 1_000_000L;
    /** The longest a window waits for half a window of sending; then it is dropped. */
    static final long MAX_WINDOW_SPAN_NANOS = 20 * WINDOW_NANOS;
    static final int PURE_PERCENT = 90;
    /** Windows of the taken mode on each side of a period of the other. */
    static final int BEFORE_WINDOWS = 2;
    /** Windows of the other mode in a comparison. */
    static final int OTHER_WINDOWS = 2 * BEFORE_WINDOWS;
    /** Windows of sending after which a period of one mode ends even if it has too few counted. */
    static final int PERIOD_LIMIT = 100;
    static final int TAKE_WINDOWS = 10;
    /** How much faster, in percent, the other mode must be to replace the mode taken. */
    static final int MARGIN_PERCENT = 10;
    static final int MAX_TAKE_WINDOWS = 80;
    /** The copy loop's first windows of sending in a process, not counted while it is the mode taken (JIT warm-up). */
    static final int COPY_WARM_UP_WINDOWS = 10;
    /** The weight of a new window in the moving average of the mode being taken. */
    private static final double WEIGHT = 0.25;

    private static final Calibration SHARED = new Calibration();
    /** Where each measured choice is told, at DEBUG: a few times a minute at most, never per send. */
    private static final System.Logger LOGGER = System.getLogger("dev.zerocopy.Calibration");

    private final LongSupplier clock;
    private final Peers[] peers;
    /** The copy loop's windows of sending still to run before one counts; the JIT is one for every class of peer. */
    private final AtomicInteger coldCopyWindows = new AtomicInteger(COPY_WARM_UP_WINDOWS);

    /** A calibration of its own on {@link System#nanoTime}, for tests; transfers use {@link #shared()}. */
    public Calibration() {
        this(System::nanoTime);
    }

    /** A calibration of its own that reads {@code clock} (nanoseconds), for tests. */
    public Calibration(LongSupplier clock) {
        this.clock = clock;
        long now = clock.getAsLong();
        this.peers = new Peers[] {new Peers(PeerClass.LOCAL, now, coldCopyWindows),
            new Peers(PeerClass.REMOTE, now, coldCopyWindows)};
    }

    /** The calibration every automatic transfer of this process uses. */
    public static Calibration shared() {
        return SHARED;
    }

    /** Chooses the mode of an automatic send of {@code byteCount} bytes to {@code peers}. */
    public Decision choose(PeerClass peers, long byteCount) {
        return this.peers[peers.ordinal()].choose(byteCount);
    }

    /** Notes that a send chosen with {@link Decision#measured()} moved its first bytes. */
    public void started(PeerClass peers) {
        this.peers[peers.ordinal()].started(clock.getAsLong());
    }

    /** Counts {@code bytes} moved by one step of a measured send running {@code mode}; cheap. */
    public void moved(PeerClass peers, FileMode mode, long bytes) {
        Peers p = this.peers[peers.ordinal()];
        p.bytes[index(mode)].addAndGet(bytes);
        long now = clock.getAsLong();
        if (now - p.windowEnd >= 0) {
            p.closeWindow(now);
        }
    }

    /** Notes that a send counted by {@link #started} ended: complete, failed or closed. */
    public void ended(PeerClass peers) {
        this.peers[peers.ordinal()].ended(clock.getAsLong());
    }

    /**
     * The latest measured aggregate rate of {@code mode} to {@code peers}, in bytes per second,
     * or NaN if unmeasured.
     */
    public double rate(PeerClass peers, FileMode mode) {
        Peers p = this.peers[peers.ordinal()];
        synchronized (p) {
            return p.rate[index(mode)] * 1e9;
        }
    }

    /** The windows of sending counted for {@code mode} to {@code peers}. */
    public int windows(PeerClass peers, FileMode mode) {
        Peers p = this.peers[peers.ordinal()];
        synchronized (p) {
            return p.windows[index(mode)];
        }
    }

    /**
     * The mode taken after both were measured, with the two rates that decided it (bytes per
     * second), or null while the first two periods still measure.
     */
    public Choice choice(PeerClass peers) {
        Peers p = this.peers[peers.ordinal()];
        synchronized (p) {
            return p.choice;
        }
    }

    /** A decision between the modes and the aggregate rates, in bytes per second, it rests on. */
    public record Choice(FileMode mode, double zeroCopyRate, double copyRate) {
    }

    private static int index(FileMode mode) {
        return mode == FileMode.ZERO_COPY ? 0 : 1;
    }

    private static FileMode other(FileMode mode) {
        return mode == FileMode.ZERO_COPY ? FileMode.COPY : FileMode.ZERO_COPY;
    }

    private static String name(FileMode mode) {
        return mode == FileMode.ZERO_COPY ? "zero-copy" : "the copy loop";
    }

    private static String gib(double bytesPerNano) {
        return Double.isNaN(bytesPerNano) ? "unmeasured"
                : String.format(Locale.ROOT, "%.2f GiB/s", bytesPerNano * 1e9 / (1 << 30));
    }

    /** The measurements and the current period of one peer class. */
    private static final class Peers {
        /** The stages of a comparison; {@link #TAKING} runs the faster between comparisons. */
        private static final int BEFORE = 0;
        private static final int OTHER = 1;
        private static final int AFTER = 2;
        private static final int TAKING = 3;

        final PeerClass peers;
        /** The calibration's count of the copy loop's windows still to run before one counts. */
        final AtomicInteger coldCopyWindows;
        /** Bytes moved in the open window, by mode (0 zero-copy, 1 the copy loop). */
        final AtomicLong[] bytes = {new AtomicLong(), new AtomicLong()};
        /** When the open window ends; read without the lock on every step. */
        volatile long windowEnd;

        // Guarded by this.
        long windowStart;
        int inFlight;
        long idleSince;
        long idleNanos;
        /** When sends started again after a pause of a window or more; its first window is a ramp-up. */
        long rampUpSince;
        /** Whether the last window of sending was left out as a ramp-up. */
        boolean lastRampUp;
        /** The sends in flight times the time they were, summed over the window; and the most at once. */
        long inFlightNanos;
        int mostInFlight;
        long lastChange;
        /** The mode taken before anything is measured: zero-copy to remote peers, the copy loop on this machine. */
        final FileMode prior;
        /** The mode taken so far (A), or {@link #prior} before the first comparison ends. */
        FileMode taken;
        /** The mode new measured sends take. */
        FileMode mode;
        int stage = BEFORE;
        /** Windows of sending in the current stage, and counted windows of its mode. */
        int stageWindows;
        int stagePure;
        /** Windows of sending the current comparison has taken so far. */
        int comparisonWindows;
        /** How long the taken mode runs before the next comparison, in windows of sending. */
        int takeLength = TAKE_WINDOWS;
        /** The comparison's bytes and sending time, by mode. */
        final long[] comparedBytes = new long[2];
        final long[] comparedNanos = new long[2];
        /** The taken mode's last {@link #BEFORE_WINDOWS} counted windows, oldest first: they open a comparison. */
        final long[] lastBytes = new long[BEFORE_WINDOWS];
        final long[] lastNanos = new long[BEFORE_WINDOWS];
        final double[] rate = {Double.NaN, Double.NaN};
        final int[] windows = new int[2];
        Choice choice;

        Peers(PeerClass peers, long now, AtomicInteger coldCopyWindows) {
            this.peers = peers;
            this.coldCopyWindows = coldCopyWindows;
            this.prior = peers == PeerClass.REMOTE ? FileMode.ZERO_COPY : FileMode.COPY;
            this.taken = prior;
            this.mode = prior;
            this.windowStart = now;
            this.idleSince = now - WINDOW_NANOS;
            this.rampUpSince = now - WINDOW_NANOS;
            this.windowEnd = now + WINDOW_NANOS;
        }

        synchronized Decision choose(long byteCount) {
            if (byteCount < MIN_MEASURED_BYTES) {
                if (choice != null) {
                    return new Decision(peers, choice.mode(), takes() + describe(), false);
                }
                return new Decision(peers, prior, "AUTO has not finished measuring " + peers + " (" + describe()
                        + "), and " + byteCount + " bytes are too few to measure, so it takes " + name(prior)
                        + " for them", false);
            }
            if (stage == TAKING) {
                return new Decision(peers, mode, takes() + describe(), true);
            }
            int needed = stage == OTHER ? OTHER_WINDOWS : BEFORE_WINDOWS;
            int cold = mode == FileMode.COPY && mode == taken ? coldCopyWindows.get() : 0;
            String progress = " (" + stagePure + " of " + needed + " windows of " + WINDOW_MILLIS
                    + " ms measured so far" + (cold == 0 ? "" : "; the copy loop's first " + COPY_WARM_UP_WINDOWS
                    + " windows of sending in this process are not counted while the JIT compiles it, " + cold
                    + " to go") + "; " + describe() + ")";
            if (choice == null) {
                return new Decision(peers, mode, "AUTO is measuring " + peers + ": new sends run " + name(mode)
                        + " for a period" + progress, true);
            }
            return new Decision(peers, mode, "AUTO re-measures " + name(mode) + " to " + peers + " for a period"
                    + progress, true);
        }

        synchronized void started(long now) {
            countInFlight(now);
            if (inFlight++ == 0) {
                idleNanos += now - Math.max(idleSince, windowStart);
                if (now - idleSince >= WINDOW_NANOS) {
                    rampUpSince = now;
                }
            }
            mostInFlight = Math.max(mostInFlight, inFlight);
        }

        synchronized void ended(long now) {
            countInFlight(now);
            if (--inFlight == 0) {
                idleSince = now;
            }
        }

        private void countInFlight(long now) {
            inFlightNanos += inFlight * (now - Math.max(lastChange, windowStart));
            lastChange = now;
        }

        synchronized void closeWindow(long now) {
            if (now - windowEnd < 0) {
                return;
            }
            long idle = idleNanos + (inFlight == 0 ? now - Math.max(idleSince, windowStart) : 0);
            long active = now - windowStart - idle;
            if (active < WINDOW_NANOS / 2 && now - windowStart < MAX_WINDOW_SPAN_NANOS) {
                // Sends come and go: the window stays open until it holds half a window of sending.
                windowEnd = now + WINDOW_NANOS / 2 - active;
                return;
            }
            countInFlight(now);
            long zeroCopy = bytes[0].getAndSet(0);
            long copy = bytes[1].getAndSet(0);
            // Steady: the sends in flight while any were averaged at least 3/4 of the most at once. A window
            // where sends run down (or pile up) says more about that than about the mode.
            boolean steady = active > 0 && inFlightNanos * 4 >= 3L * mostInFlight * active;
            // Not twice in a row: where sends come and go in short bursts every window holds a restart,
            // and every other window still counts.
            boolean rampingUp = !lastRampUp && windowStart - rampUpSince < WINDOW_NANOS;
            windowStart = now;
            windowEnd = now + WINDOW_NANOS;
            idleNanos = 0;
            inFlightNanos = 0;
            mostInFlight = inFlight;
            if (active < WINDOW_NANOS / 2) {
                return;
            }
            lastRampUp = rampingUp;
            stageWindows++;
            comparisonWindows++;
            int i = index(mode);
            long total = zeroCopy + copy;
            // The copy loop's first windows warm it up, whichever period they fall in; they are left out only
            // while it is the mode taken (see the class's doc).
            boolean warmingUp = total > 0 && copy * 100 >= PURE_PERCENT * total && warmUpCopyLoop();
            boolean cold = warmingUp && mode == taken;
            boolean counted = steady && !rampingUp && !cold && total > 0
                    && (i == 0 ? zeroCopy : copy) * 100 >= PURE_PERCENT * total;
            if (counted) {
                windows[i]++;
                stagePure++;
                if (stage != TAKING) {
                    comparedBytes[i] += total;
                    comparedNanos[i] += active;
                }
                if (mode == taken) {
                    System.arraycopy(lastBytes, 1, lastBytes, 0, BEFORE_WINDOWS - 1);
                    System.arraycopy(lastNanos, 1, lastNanos, 0, BEFORE_WINDOWS - 1);
                    lastBytes[BEFORE_WINDOWS - 1] = total;
                    lastNanos[BEFORE_WINDOWS - 1] = active;
                }
                if (stage == TAKING) {
                    rate[i] += WEIGHT * ((double) total / active - rate[i]);
                }
            }
            switch (stage) {
                case TAKING -> {
                    if (stageWindows >= takeLength) {
                        compare();
                    }
                }
                case BEFORE -> {
                    if (stagePure >= BEFORE_WINDOWS || stageWindows >= PERIOD_LIMIT) {
                        enter(OTHER, other(taken));
                    }
                }
                case OTHER -> {
                    if (stagePure >= OTHER_WINDOWS || stageWindows >= PERIOD_LIMIT) {
                        enter(AFTER, taken);
                    }
                }
                default -> {
                    if (stagePure >= BEFORE_WINDOWS || stageWindows >= PERIOD_LIMIT) {
                        decide();
                    }
                }
            }
        }

        /**
         * Counts a window of the copy loop's sending towards its warm-up; true if the loop was still cold in
         * it. Once the loop is warm, a read: no atomic update per window for the rest of the process.
         */
        private boolean warmUpCopyLoop() {
            return coldCopyWindows.get() > 0 && coldCopyWindows.getAndUpdate(left -> Math.max(0, left - 1)) > 0;
        }

        /** Opens a comparison with the taken mode's last counted windows, and measures the other. */
        private void compare() {
            comparisonWindows = 0;
            comparedBytes[0] = comparedBytes[1] = 0;
            comparedNanos[0] = comparedNanos[1] = 0;
            int t = index(taken);
            for (int w = 0; w < BEFORE_WINDOWS; w++) {
                comparedBytes[t] += lastBytes[w];
                comparedNanos[t] += lastNanos[w];
            }
            enter(comparedNanos[t] > 0 ? OTHER : BEFORE, comparedNanos[t] > 0 ? other(taken) : taken);
        }

        private void enter(int next, FileMode nextMode) {
            stage = next;
            mode = nextMode;
            stageWindows = 0;
            stagePure = 0;
        }

        /** Ends a comparison: takes the faster mode, for longer if it was taken before. */
        private void decide() {
            if (comparedNanos[0] == 0 || comparedNanos[1] == 0) {
                // Sends outlasted the periods and left a mode without a counted window: keep what was taken.
                if (choice == null) {
                    compare();
                    return;
                }
            } else {
                rate[0] = (double) comparedBytes[0] / comparedNanos[0];
                rate[1] = (double) comparedBytes[1] / comparedNanos[1];
                int t = index(taken);
                FileMode faster = rate[0] >= rate[1] ? FileMode.ZERO_COPY : FileMode.COPY;
                if (choice == null || rate[1 - t] * 100 > rate[t] * (100 + MARGIN_PERCENT)) {
                    takeLength = TAKE_WINDOWS;
                    if (faster != taken) {
                        taken = faster;
                        lastNanos[0] = lastNanos[1] = 0;
                        lastBytes[0] = lastBytes[1] = 0;
                    }
                } else {
                    // Confirmed: measure less often. Within the margin: keep the mode, but compare again soon.
                    takeLength = faster == taken ? Math.min(2 * takeLength, MAX_TAKE_WINDOWS) : TAKE_WINDOWS;
                }
                choice = new Choice(taken, rate[0] * 1e9, rate[1] * 1e9);
                if (LOGGER.isLoggable(System.Logger.Level.DEBUG)) {
                    LOGGER.log(System.Logger.Level.DEBUG, "AUTO to " + peers + " takes " + name(taken)
                            + ": zero-copy " + gib(rate[0]) + ", the copy loop " + gib(rate[1]));
                }
            }
            takeLength = Math.max(takeLength, 4 * comparisonWindows);
            enter(TAKING, taken);
        }

        /** How the choice follows from its rates. */
        private String takes() {
            boolean faster = choice.mode() == FileMode.ZERO_COPY ? choice.zeroCopyRate() >= choice.copyRate()
                    : choice.copyRate() > choice.zeroCopyRate();
            return faster ? "AUTO takes the mode measured faster: " : "AUTO takes " + name(choice.mode())
                    + " as before, since the other mode was not more than " + MARGIN_PERCENT + " % faster: ";
        }

        /** The rates the choice rests on (the latest, while a period measures) and what comes next. */
        private String describe() {
            boolean taking = choice != null && stage == TAKING;
            double zeroCopy = taking ? choice.zeroCopyRate() / 1e9 : rate[0];
            double copy = taking ? choice.copyRate() / 1e9 : rate[1];
            String rates = "to " + peers + ", zero-copy moved " + gib(zeroCopy) + " and the copy loop " + gib(copy)
                    + " in all (bytes per second of every automatic send to that class, in windows of "
                    + WINDOW_MILLIS + " ms when one mode carried at least " + PURE_PERCENT + " % of them; "
                    + windows[0] + " and " + windows[1] + " windows measured)";
            if (!taking) {
                return rates;
            }
            return rates + "; it re-measures " + name(other(mode)) + " after " + (takeLength - stageWindows)
                    + " more windows of sending";
        }
    }
}
