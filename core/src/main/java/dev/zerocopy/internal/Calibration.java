package dev.zerocopy.internal;

import dev.zerocopy.FileMode;
import java.util.Locale;
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
 * more about that than about the mode), and for a mode only if that mode carried at least
 * {@value #PURE_PERCENT} % of its bytes; while sends of the previous period are still in flight, windows are
 * mixed and count for neither. A period measuring one mode ends after
 * {@value #PROBE_WINDOWS} such windows (or gives up after {@value #PROBE_LIMIT} windows
 * of sending, when sends outlast it). The first two periods measure zero-copy, then the
 * copy loop; the faster in all is then taken for a longer period of at least
 * {@value #EXPLOIT_WINDOWS} windows (four times as long as the last measuring period took,
 * if that is more), during which its windows keep updating its rate as a moving average.
 * Then a period re-measures the other mode, and the two rates, measured one after the
 * other, decide the next period (a load that changes between the two can mislead one
 * decision; the next re-measurement corrects it). A tie goes to zero-copy, which costs
 * less CPU per byte.
 * CPU time is not measured: the process's CPU clock is in {@code jdk.management}, a
 * module the core does not require.
 *
 * <p>Transfers smaller than 1 MiB are too short to measure: they are not counted and take
 * the measured choice, or, before there is one, zero-copy to remote peers and the copy
 * loop on this machine. Thread-safe: the counters are atomic and everything else is
 * guarded by the peer class's lock, taken once per send and once per window.
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
    static final int PROBE_WINDOWS = 3;
    static final int PROBE_LIMIT = 100;
    static final int EXPLOIT_WINDOWS = 40;
    /** The weight of a new window in the moving average of the mode being taken. */
    private static final double WEIGHT = 0.25;

    private static final Calibration SHARED = new Calibration();
    /** Where each measured choice is told, at DEBUG: a few times a minute at most, never per send. */
    private static final System.Logger LOGGER = System.getLogger("dev.zerocopy.Calibration");

    private final LongSupplier clock;
    private final Peers[] peers;

    /** A calibration of its own on {@link System#nanoTime}, for tests; transfers use {@link #shared()}. */
    public Calibration() {
        this(System::nanoTime);
    }

    /** A calibration of its own that reads {@code clock} (nanoseconds), for tests. */
    public Calibration(LongSupplier clock) {
        this.clock = clock;
        long now = clock.getAsLong();
        this.peers = new Peers[] {new Peers(PeerClass.LOCAL, now), new Peers(PeerClass.REMOTE, now)};
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
        final PeerClass peers;
        /** Bytes moved in the open window, by mode (0 zero-copy, 1 the copy loop). */
        final AtomicLong[] bytes = {new AtomicLong(), new AtomicLong()};
        /** When the open window ends; read without the lock on every step. */
        volatile long windowEnd;

        // Guarded by this.
        long windowStart;
        int inFlight;
        long idleSince;
        long idleNanos;
        /** The sends in flight times the time they were, summed over the window; and the most at once. */
        long inFlightNanos;
        int mostInFlight;
        long lastChange;
        /** The mode new measured sends take. */
        FileMode mode = FileMode.ZERO_COPY;
        /** Whether the period measures {@link #mode} (otherwise it takes the faster). */
        boolean probing = true;
        int periodWindows;
        int periodLength;
        int pureWindows;
        long probeBytes;
        long probeNanos;
        final double[] rate = {Double.NaN, Double.NaN};
        final int[] windows = new int[2];
        Choice choice;

        Peers(PeerClass peers, long now) {
            this.peers = peers;
            this.windowStart = now;
            this.idleSince = now;
            this.windowEnd = now + WINDOW_NANOS;
        }

        synchronized Decision choose(long byteCount) {
            if (byteCount < MIN_MEASURED_BYTES) {
                if (choice != null) {
                    return new Decision(peers, choice.mode(), "AUTO takes the mode measured faster: " + describe(), false);
                }
                FileMode prior = peers == PeerClass.REMOTE ? FileMode.ZERO_COPY : FileMode.COPY;
                return new Decision(peers, prior, "AUTO has not finished measuring " + peers + " (" + describe()
                        + "), and " + byteCount + " bytes are too few to measure, so it takes " + name(prior)
                        + " for them", false);
            }
            if (!probing) {
                return new Decision(peers, mode, "AUTO takes the mode measured faster: " + describe(), true);
            }
            String progress = " (" + pureWindows + " of " + PROBE_WINDOWS + " windows of " + WINDOW_MILLIS
                    + " ms measured so far; " + describe() + ")";
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
            windowStart = now;
            windowEnd = now + WINDOW_NANOS;
            idleNanos = 0;
            idleSince = now;
            inFlightNanos = 0;
            mostInFlight = inFlight;
            if (active < WINDOW_NANOS / 2 || !steady) {
                return;
            }
            periodWindows++;
            int i = index(mode);
            long total = zeroCopy + copy;
            boolean pure = total > 0 && (i == 0 ? zeroCopy : copy) * 100 >= PURE_PERCENT * total;
            if (pure) {
                windows[i]++;
            }
            if (!probing) {
                if (pure) {
                    rate[i] += WEIGHT * ((double) total / active - rate[i]);
                }
                if (periodWindows >= periodLength) {
                    probe(other(mode));
                }
                return;
            }
            if (pure) {
                probeBytes += total;
                probeNanos += active;
                pureWindows++;
            }
            if (pureWindows >= PROBE_WINDOWS) {
                rate[i] = (double) probeBytes / probeNanos;
            } else if (periodWindows < PROBE_LIMIT) {
                return;
            }
            if (Double.isNaN(rate[1 - i])) {
                probe(other(mode));
                return;
            }
            if (!Double.isNaN(rate[i])) {
                FileMode faster = rate[0] >= rate[1] ? FileMode.ZERO_COPY : FileMode.COPY;
                choice = new Choice(faster, rate[0] * 1e9, rate[1] * 1e9);
                if (LOGGER.isLoggable(System.Logger.Level.DEBUG)) {
                    LOGGER.log(System.Logger.Level.DEBUG, "AUTO to " + peers + " takes " + name(faster) + ": zero-copy "
                            + gib(rate[0]) + ", the copy loop " + gib(rate[1]));
                }
            }
            if (choice == null) {
                probe(mode);
                return;
            }
            probing = false;
            periodLength = Math.max(EXPLOIT_WINDOWS, 4 * periodWindows);
            periodWindows = 0;
            mode = choice.mode();
        }

        private void probe(FileMode next) {
            mode = next;
            probing = true;
            periodWindows = 0;
            pureWindows = 0;
            probeBytes = 0;
            probeNanos = 0;
        }

        /** The rates the choice rests on (the latest, while a period measures) and what comes next. */
        private String describe() {
            boolean taking = choice != null && !probing;
            double zeroCopy = taking ? choice.zeroCopyRate() / 1e9 : rate[0];
            double copy = taking ? choice.copyRate() / 1e9 : rate[1];
            String rates = "to " + peers + ", zero-copy moved " + gib(zeroCopy) + " and the copy loop " + gib(copy)
                    + " in all (bytes per second of every automatic send to that class, in windows of "
                    + WINDOW_MILLIS + " ms when one mode carried at least " + PURE_PERCENT + " % of them; "
                    + windows[0] + " and " + windows[1] + " windows measured)";
            if (!taking) {
                return rates;
            }
            return rates + "; it re-measures " + name(other(mode)) + " after " + (periodLength - periodWindows)
                    + " more windows of sending";
        }
    }
}
