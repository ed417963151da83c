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
import java.util.stream.Collectors;

/**
 * Warm-up against steady state of the 400 MB paths, from the warm-up group ({@code jmh-warmup.json}):
 * every path in fresh JVMs (JMH forks), each JMH iteration one transfer, none discarded. In each
 * fork, steady state is the median of the second half of its transfers, and the path has reached
 * 90 % of it at the first transfer from which the median of three consecutive transfers is at
 * least 90 % of it (one fast transfer alone does not count). A path's steady state pools the
 * second halves of every fork; its "90 % at transfer" is the median over the forks, since one
 * fresh JVM is a sample of one (a path's index ranged from 1 to 7 over forks of one build).
 */
final class Warmup implements Section {

    /** The paths, as {@code benchmark[:param=value]}, and their names in the report. */
    static final Map<String, String> PATHS = paths();

    /** GiB/s of every transfer, fork by fork, by path. */
    private final Map<String, List<double[]>> gibPerTransfer = new LinkedHashMap<>();

    Warmup(JmhResults warmup) {
        for (String key : PATHS.keySet()) {
            find(warmup, key).ifPresent(r -> {
                double bytes = Double.parseDouble(r.params().get("bytes"));
                List<double[]> forks = new ArrayList<>();
                for (double[] seconds : r.secondsPerOpByFork()) {
                    forks.add(Arrays.stream(seconds).map(s -> bytes / s / References.GIB).toArray());
                }
                gibPerTransfer.put(key, forks);
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

    /** The steady-state GiB/s of a path: the median of the second halves of its forks' transfers. */
    Optional<Figure> steadyState(String key) {
        List<double[]> forks = gibPerTransfer.get(key);
        if (forks == null || forks.get(0).length < 4) {
            return Optional.empty();
        }
        return Optional.of(Figure.of(forks.stream()
                .flatMapToDouble(rates -> Arrays.stream(rates, rates.length / 2, rates.length)).toArray()));
    }

    /** The transfer (1-based) from which the path runs at 90 % of its steady state: a figure over its forks. */
    Optional<Figure> transfersToSteady(String key) {
        List<double[]> forks = gibPerTransfer.get(key);
        if (forks == null || forks.get(0).length < 4) {
            return Optional.empty();
        }
        return Optional.of(Figure.of(forks.stream().mapToDouble(Warmup::transfersToSteady).toArray()));
    }

    /** The transfer (1-based) from which one fork's {@code rates} reach 90 % of that fork's steady state. */
    private static double transfersToSteady(double[] rates) {
        double bar = 0.9 * Figure.of(Arrays.copyOfRange(rates, rates.length / 2, rates.length)).median();
        for (int i = 0; i + 2 < rates.length; i++) {
            double[] three = {rates[i], rates[i + 1], rates[i + 2]};
            Arrays.sort(three);
            if (three[1] >= bar) {
                return i + 1;
            }
        }
        return rates.length;
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Warm-up and steady state: 400 MB on one connection\n\n");
        s.append("The warm-up group: each 400 MB path in fresh JVMs (JMH forks), every transfer timed on its own"
                + " (a JMH iteration with no warm-up iterations), none discarded. In each fork, steady state is the"
                + " median of the second half of its transfers, and \"90 % at transfer\" the first transfer from"
                + " which the median of three consecutive transfers reaches 90 % of it; the table gives the"
                + " median over the forks (each fork's in brackets), the second halves of every fork pooled for"
                + " the steady state, and the median of the forks' first transfers. The other tables time paths"
                + " after JMH's warm-up iterations, which may not cover a path's warm-up.\n\n");
        if (gibPerTransfer.isEmpty()) {
            return s.append("Not measured in this run (no `jmh-warmup.json`).\n\n").toString();
        }
        s.append("| path | forks x transfers | 1st transfer GiB/s | transfers 2-5 GiB/s | steady state GiB/s |"
                + " 90 % at transfer | first / steady |\n|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, List<double[]>> e : gibPerTransfer.entrySet()) {
            List<double[]> forks = e.getValue();
            int transfers = forks.get(0).length;
            Optional<Figure> steady = steadyState(e.getKey());
            Optional<Figure> first = Optional.of(Figure.of(forks.stream().mapToDouble(rates -> rates[0]).toArray()));
            Optional<Figure> early = transfers >= 5
                    ? Optional.of(Figure.of(forks.stream().flatMapToDouble(rates -> Arrays.stream(rates, 1, 5)).toArray()))
                    : Optional.empty();
            String eachFork = transfers < 4 ? "" : forks.stream()
                    .map(rates -> String.format(Locale.ROOT, "%.0f", transfersToSteady(rates)))
                    .collect(Collectors.joining(", ", " (", ")"));
            s.append("| ").append(PATHS.get(e.getKey())).append(" | ").append(forks.size()).append(" x ")
                    .append(transfers).append(" | ").append(Format.gib(first)).append(" | ").append(Format.gib(early))
                    .append(" | ").append(Format.gib(steady)).append(" | ")
                    .append(transfersToSteady(e.getKey()).map(f -> String.format(Locale.ROOT, "%.0f", f.median()))
                            .orElse("-"))
                    .append(eachFork).append(" | ").append(Format.ratioText(first, steady)).append(" |\n");
        }
        s.append("\nEvery transfer, GiB/s in order, fork by fork:\n\n");
        for (Map.Entry<String, List<double[]>> e : gibPerTransfer.entrySet()) {
            List<String> forks = new ArrayList<>();
            for (double[] rates : e.getValue()) {
                forks.add(Arrays.stream(rates).mapToObj(rate -> String.format(Locale.ROOT, "%.2f", rate))
                        .collect(Collectors.joining(" ")));
            }
            s.append("- ").append(PATHS.get(e.getKey())).append(": ").append(String.join(" / ", forks)).append("\n");
        }
        return s.append("\n").toString();
    }
}
