package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.ConcurrencyBenchmark;
import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytes;
import static dev.zerocopy.benchmarks.report.Format.fixed;
import static dev.zerocopy.benchmarks.report.Format.gib;
import static dev.zerocopy.benchmarks.report.Format.ratioText;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.CONCURRENCY_ROUND;

/**
 * Concurrent connections through the adapter on one selector ({@code ConcurrencyBenchmark}):
 * aggregate throughput, heap and allocation per connection, CPU per GiB, by connection count.
 */
final class ConcurrencySection implements Section {

    private static final double GIB = References.GIB;

    private final JmhResults jmh;

    ConcurrencySection(JmhResults jmh) {
        this.jmh = jmh;
    }

    private Optional<Result> round(int connections) {
        return jmh.find(CONCURRENCY_ROUND, "connections", Integer.toString(connections));
    }

    /** Aggregate GiB/s of a round at one connection count. */
    Optional<Figure> concurrency(int connections) {
        return round(connections).map(r -> r.throughput(ConcurrencyBenchmark.bytesPerRound(connections)));
    }

    /** The profiles of one connection and of 5,000, for a missed target. */
    String concurrencyProfile() {
        StringBuilder e = new StringBuilder();
        for (int n : new int[] {1, 5000}) {
            round(n).ifPresent(r -> e.append(Profile.summary(n + " connection" + (n == 1 ? "" : "s"), r,
                    ConcurrencyBenchmark.bytesPerRound(n))).append(" "));
        }
        return e.toString().trim();
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Concurrent connections through the adapter\n\n");
        s.append("`ConcurrencyBenchmark`: every connection moves 1 MiB chunks (`Socket.sendFrom` into"
                + " `Socket.recvInto`) at once on one selector; a round moves at least 1 GiB in all. Heap per"
                + " connection: heap in use after a full GC with the connections open and idle, minus before,"
                + " per connection (both its sockets); fixed costs (classes loaded, the selector) make it"
                + " meaningful only for many connections. Allocated: heap allocated per connection per round.\n\n");
        s.append("| connections | aggregate GiB/s | vs 1 connection | heap per connection | allocated per"
                + " connection per round | cores busy | CPU-s per GiB |\n");
        s.append("|---|---|---|---|---|---|---|\n");
        List<Result> runs = new ArrayList<>(jmh.all(CONCURRENCY_ROUND));
        runs.sort(Comparator.comparingInt(r -> Integer.parseInt(r.params().get("connections"))));
        Optional<Figure> single = concurrency(1);
        for (Result r : runs) {
            int n = Integer.parseInt(r.params().get("connections"));
            Optional<Figure> gib = concurrency(n);
            s.append("| ").append(String.format(Locale.ROOT, "%,d", n)).append(" | ").append(gib(gib)).append(" | ")
                    .append(n == 1 ? "" : ratioText(gib, single)).append(" | ")
                    .append(bytes(r.metric("heap.perConnection"))).append(" | ")
                    .append(bytes(r.metric("gc.alloc.rate.norm").map(f -> f.times(1.0 / n)))).append(" | ")
                    .append(Profile.metric(Optional.of(r), "cpu.cores", 2)).append(" | ")
                    .append(fixed(r.metric("cpu.process").map(f -> f.times(1e-9 * GIB / ConcurrencyBenchmark.bytesPerRound(n))), 3))
                    .append(" |\n");
        }
        return s.append("\n").toString();
    }
}
