package dev.zerocopy.internal;

import dev.zerocopy.FileMode;
import java.util.Locale;

/**
 * What {@link FileMode#AUTO} has measured in this process, per class of peer, and the
 * choice it makes from it.
 *
 * <p>Whether zero-copy or the copy loop is faster depends on the machine and its load,
 * not on a rule: on an idle loopback one connection moves faster through a 1 MiB copy
 * loop, while 64 busy connections move faster with sendfile, which spends less CPU per
 * byte. So the process measures. Every automatic send of at least 1 MiB to a socket
 * reports its rate (bytes over the wall time from its first step to its last) times the
 * automatic sends to the same class of peer in flight beside it (the mean of the counts
 * at its start and its end): an estimate of the aggregate rate the process would reach
 * if all of them ran that mode. A send's own rate falls as concurrency rises whatever
 * its mode, so without that factor a mode last measured under less load would look
 * faster. The estimates are kept as moving averages per peer class and mode. Until
 * each mode has {@value #WARM_UP} samples, transfers alternate between the modes; after
 * that each picks the mode with the higher average, and one in {@value #REMEASURE_EVERY}
 * runs the other mode, so that the choice follows the load as it changes. Transfers
 * measured side by side under the same load compare fairly: under a CPU-bound load the
 * mode that costs less CPU per byte is the one that moves faster.
 *
 * <p>Transfers smaller than 1 MiB are too short to measure; they take the measured
 * choice, or, before there is one, zero-copy to remote peers and the copy loop on this
 * machine. Thread-safe.
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

    /** A choice, why it was made, and whether the transfer should report its rate. */
    public record Decision(PeerClass peers, FileMode mode, String reason, boolean measured) {
    }

    static final long MIN_MEASURED_BYTES = 1 << 20;
    static final int WARM_UP = 3;
    static final int REMEASURE_EVERY = 16;
    /** The weight of a new sample in the moving average. */
    private static final double WEIGHT = 0.25;

    private static final Calibration SHARED = new Calibration();

    /** A calibration of its own, for tests; transfers use {@link #shared()}. */
    public Calibration() {
    }

    private final Rates[] rates = {new Rates(), new Rates()};

    /** The calibration every automatic transfer of this process uses. */
    public static Calibration shared() {
        return SHARED;
    }

    /** Chooses the mode of an automatic send of {@code byteCount} bytes to {@code peers}. */
    public synchronized Decision choose(PeerClass peers, long byteCount) {
        Rates r = rates[peers.ordinal()];
        if (byteCount < MIN_MEASURED_BYTES) {
            if (r.warm()) {
                FileMode best = r.best();
                return new Decision(peers, best, "AUTO takes the mode measured faster: " + r.describe(peers), false);
            }
            FileMode prior = peers == PeerClass.REMOTE ? FileMode.ZERO_COPY : FileMode.COPY;
            return new Decision(peers, prior, "AUTO has not finished measuring " + peers + " (" + r.counts()
                    + "), and " + byteCount + " bytes are too few to measure, so it takes "
                    + name(prior) + " for them", false);
        }
        if (!r.warm()) {
            FileMode next = r.started[0] <= r.started[1] ? FileMode.ZERO_COPY : FileMode.COPY;
            r.started[index(next)]++;
            return new Decision(peers, next, "AUTO is measuring " + peers + ": this transfer runs " + name(next)
                    + " (" + r.counts() + " so far)", true);
        }
        FileMode best = r.best();
        FileMode other = best == FileMode.ZERO_COPY ? FileMode.COPY : FileMode.ZERO_COPY;
        if (++r.decisions % REMEASURE_EVERY == 0) {
            return new Decision(peers, other, "AUTO re-measures " + name(other) + " on 1 in " + REMEASURE_EVERY
                    + " transfers: " + r.describe(peers), true);
        }
        return new Decision(peers, best, "AUTO takes the mode measured faster: " + r.describe(peers), true);
    }

    /**
     * Notes that a measured send to {@code peers} started.
     *
     * @return the sends in flight to that class now, this one included, for {@link #record}
     */
    public synchronized int started(PeerClass peers) {
        return ++rates[peers.ordinal()].inFlight;
    }

    /** Notes that a send counted by {@link #started} ended without a measurement (it failed or was abandoned). */
    public synchronized void abandoned(PeerClass peers) {
        rates[peers.ordinal()].inFlight--;
    }

    /**
     * Records a finished automatic transfer that ran {@code mode} from start to end, and ends
     * its count in flight.
     *
     * @param inFlightAtStart what {@link #started} returned for it
     */
    public synchronized void record(PeerClass peers, FileMode mode, long bytes, long nanos, int inFlightAtStart) {
        Rates r = rates[peers.ordinal()];
        double concurrency = (inFlightAtStart + r.inFlight) / 2.0;
        r.inFlight--;
        if (bytes < MIN_MEASURED_BYTES || nanos <= 0) {
            return;
        }
        int i = index(mode);
        double rate = (double) bytes / nanos * Math.max(1, concurrency);
        r.average[i] = r.samples[i] == 0 ? rate : r.average[i] + WEIGHT * (rate - r.average[i]);
        r.samples[i]++;
    }

    /**
     * The moving average of {@code mode}'s estimated aggregate rate to {@code peers}, in bytes
     * per second, or NaN if unmeasured.
     */
    public synchronized double rate(PeerClass peers, FileMode mode) {
        Rates r = rates[peers.ordinal()];
        return r.samples[index(mode)] == 0 ? Double.NaN : r.average[index(mode)] * 1e9;
    }

    /** The transfers measured for {@code mode} to {@code peers}. */
    public synchronized int samples(PeerClass peers, FileMode mode) {
        return rates[peers.ordinal()].samples[index(mode)];
    }

    private static int index(FileMode mode) {
        return mode == FileMode.ZERO_COPY ? 0 : 1;
    }

    private static String name(FileMode mode) {
        return mode == FileMode.ZERO_COPY ? "zero-copy" : "the copy loop";
    }

    /** Measurements of one peer class; index 0 is zero-copy, 1 the copy loop. */
    private static final class Rates {
        final double[] average = new double[2];
        final int[] samples = new int[2];
        final int[] started = new int[2];
        long decisions;
        int inFlight;

        boolean warm() {
            return samples[0] >= WARM_UP && samples[1] >= WARM_UP;
        }

        FileMode best() {
            return average[0] >= average[1] ? FileMode.ZERO_COPY : FileMode.COPY;
        }

        String counts() {
            return samples[0] + " zero-copy and " + samples[1] + " copy-loop transfers measured";
        }

        String describe(PeerClass peers) {
            return String.format(Locale.ROOT, "to %s, zero-copy averages %.2f GiB/s and the copy loop %.2f GiB/s"
                    + " in all (a send's rate times the sends in flight beside it; %d and %d sends measured)", peers, average[0] * 1e9 / (1 << 30),
                    average[1] * 1e9 / (1 << 30), samples[0], samples[1]);
        }
    }
}
