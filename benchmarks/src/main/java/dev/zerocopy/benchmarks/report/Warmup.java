package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.NettyTransport;
import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Warm-up against steady state of the 400 MB paths, from the warm-up group ({@code jmh-warmup.json}):
 * every path in a fresh JVM, each JMH iteration one transfer, none discarded. Steady state is the
 * median of the second half of the transfers; a path has reached 90 % of it at the first transfer
 * from which the median of three consecutive transfers is at least 90 % of it (one fast transfer
 * alone does not count).
 */
final class Warmup implements Section {

    /** The paths, as {@code benchmark[:param=value]}, and their names in the report. */
    static final Map<String, String> PATHS = paths();

    private final Map<String, double[]> gibPerTransfer = new LinkedHashMap<>();

    Warmup(JmhResults warmup) {
        for (String key : PATHS.keySet()) {
            find(warmup, key).ifPresent(r -> {
                double bytes = Double.parseDouble(r.params().get("bytes"));
                gibPerTransfer.put(key, Arrays.stream(r.secondsPerOp()).map(s -> bytes / s / References.GIB).toArray());
            });
        }
    }

    private static Map<String, String> paths() {
        Map<String, String> paths = new LinkedHashMap<>();
        paths.put(KnownBenchmarks.LOOPBACK_CORE, "core blocking loop");
        paths.put(KnownBenchmarks.LOOPBACK_ADAPTER, "Ktor adapter");
        paths.put(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, "Ktor's channels");
        paths.put(KnownBenchmarks.LOOPBACK_HAND_NIO, "hand-written NIO loop");
        paths.put(netty(NettyTransport.NIO), "Netty NIO");
        paths.put(netty(NettyTransport.EPOLL), "Netty epoll");
        paths.put(netty(NettyTransport.IO_URING), "Netty io_uring");
        return paths;
    }

    /** The key of one Netty transport's path. */
    static String netty(NettyTransport transport) {
        return KnownBenchmarks.NETTY_LOOPBACK + ":transport=" + transport.name();
    }

    private static Optional<Result> find(JmhResults results, String key) {
        String[] parts = key.split(":");
        return parts.length == 1 ? results.find(parts[0]) : results.find(parts[0], parts[1].split("="));
    }

    /** The steady-state GiB/s of a path: the median of its second half of transfers. */
    Optional<Figure> steadyState(String key) {
        double[] rates = gibPerTransfer.get(key);
        if (rates == null || rates.length < 4) {
            return Optional.empty();
        }
        return Optional.of(Figure.of(Arrays.copyOfRange(rates, rates.length / 2, rates.length)));
    }

    /** The transfer (1-based) from which the path runs at 90 % of its steady state, as a figure. */
    Optional<Figure> transfersToSteady(String key) {
        double[] rates = gibPerTransfer.get(key);
        Optional<Figure> steady = steadyState(key);
        if (steady.isEmpty()) {
            return Optional.empty();
        }
        double bar = 0.9 * steady.get().median();
        for (int i = 0; i + 2 < rates.length; i++) {
            double[] three = {rates[i], rates[i + 1], rates[i + 2]};
            Arrays.sort(three);
            if (three[1] >= bar) {
                return Optional.of(new Figure(i + 1, Double.NaN, 1));
            }
        }
        return Optional.of(new Figure(rates.length, Double.NaN, 1));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Warm-up and steady state: 400 MB on one connection\n\n");
        s.append("The warm-up group: each 400 MB path in a fresh JVM, every transfer timed on its own (a JMH"
                + " iteration with no warm-up iterations), none discarded. Steady state is the median of the"
                + " second half of the transfers; \"90 % at transfer\" is the first transfer from which the median"
                + " of three consecutive transfers reaches 90 % of it. The other tables time paths after JMH's"
                + " warm-up iterations, which may not cover a path's warm-up.\n\n");
        if (gibPerTransfer.isEmpty()) {
            return s.append("Not measured in this run (no `jmh-warmup.json`).\n\n").toString();
        }
        s.append("| path | transfers | 1st transfer GiB/s | transfers 2-5 GiB/s | steady state GiB/s | 90 % at transfer |"
                + " first / steady |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, double[]> e : gibPerTransfer.entrySet()) {
            double[] rates = e.getValue();
            Optional<Figure> steady = steadyState(e.getKey());
            Optional<Figure> first = Optional.of(new Figure(rates[0], Double.NaN, 1));
            Optional<Figure> early = rates.length >= 5 ? Optional.of(Figure.of(Arrays.copyOfRange(rates, 1, 5)))
                    : Optional.empty();
            s.append("| ").append(PATHS.get(e.getKey())).append(" | ").append(rates.length).append(" | ")
                    .append(String.format(Locale.ROOT, "%.2f", rates[0])).append(" | ").append(Format.gib(early))
                    .append(" | ").append(Format.gib(steady)).append(" | ")
                    .append(transfersToSteady(e.getKey()).map(f -> String.format(Locale.ROOT, "%.0f", f.median())).orElse("-"))
                    .append(" | ").append(Format.ratioText(first, steady)).append(" |\n");
        }
        s.append("\nEvery transfer, GiB/s in order:\n\n");
        for (Map.Entry<String, double[]> e : gibPerTransfer.entrySet()) {
            List<String> values = new ArrayList<>();
            for (double rate : e.getValue()) {
                values.add(String.format(Locale.ROOT, "%.2f", rate));
            }
            s.append("- ").append(PATHS.get(e.getKey())).append(": ").append(String.join(" ", values)).append("\n");
        }
        return s.append("\n").toString();
    }
}
