package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytes;
import static dev.zerocopy.benchmarks.report.Format.gib;
import static dev.zerocopy.benchmarks.report.Format.ratioRow;
import static dev.zerocopy.benchmarks.report.Format.size;
import static dev.zerocopy.benchmarks.report.Format.time;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_HAND_NIO;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_KTOR_CHANNELS;

/**
 * The seed's 400 MB array on one connection ({@code LoopbackBenchmark}, after JMH's warm-up
 * iterations), beside the iperf3 ceiling and the Python recipe: its figures, its chart bars and
 * its section.
 */
final class LoopbackSection implements Section {

    /** The paths, in the order of the table, with their names in the table and in the chart. */
    private static final Map<String, String[]> PATHS = paths();

    private final JmhResults jmh;
    private final References refs;

    LoopbackSection(JmhResults jmh, References refs) {
        this.jmh = jmh;
        this.refs = refs;
    }

    private static Map<String, String[]> paths() {
        Map<String, String[]> paths = new LinkedHashMap<>();
        paths.put(LOOPBACK_CORE, new String[] {"core blocking loop (`ZeroCopy.sendFrom`/`recvInto`)", "core loop"});
        paths.put(LOOPBACK_ADAPTER, new String[] {"Ktor adapter (`Socket.sendFrom`/`recvInto`)", "Ktor adapter"});
        paths.put(LOOPBACK_KTOR_CHANNELS, new String[] {"Ktor's channels (`writeFully`/`readFully`)", "Ktor channels"});
        paths.put(LOOPBACK_HAND_NIO, new String[] {"hand-written NIO loop (direct buffer)", "hand NIO"});
        return paths;
    }

    /** GiB/s of one path ({@code LoopbackBenchmark.*}). */
    Optional<Figure> loop(String benchmark) {
        return jmh.find(benchmark).map(r -> r.throughput(loopBytes(Optional.of(r))));
    }

    private static double loopBytes(Optional<Result> r) {
        return r.map(x -> Double.parseDouble(x.params().get("bytes"))).orElse(Double.NaN);
    }

    /** A path's profiler summary, for a missed target; empty if it was not measured. */
    String loopProfile(String benchmark) {
        Optional<Result> r = jmh.find(benchmark);
        return r.map(x -> Profile.summary(PATHS.get(benchmark)[1], x, loopBytes(r))).orElse("");
    }

    String iperf3Profile() {
        return refs.iperf3.map(f -> "iperf3 moved " + f.formatMedian() + " GiB/s (" + refs.iperf3Details + ").")
                .orElse("");
    }

    /** The chart's bars of this section: the iperf3 ceiling, the paths measured, the Python recipe. */
    List<ThroughputChart.Bar> bars() {
        List<ThroughputChart.Bar> bars = new ArrayList<>();
        refs.iperf3.ifPresent(f -> bars.add(new ThroughputChart.Bar("iperf3 (ceiling)", "reference", f)));
        for (String path : PATHS.keySet()) {
            Optional<Result> r = jmh.find(path);
            r.ifPresent(result -> bars.add(new ThroughputChart.Bar(PATHS.get(path)[1], size(loopBytes(r)) + " array",
                    result.throughput(loopBytes(r)))));
        }
        refs.recipe.ifPresent(f -> bars.add(new ThroughputChart.Bar("Python recipe", "reference", f)));
        return bars;
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Loopback throughput: the seed's 400 MB array\n\n");
        s.append("`LoopbackBenchmark`: one transfer of the array (`bytes` = ")
                .append(jmh.find(LOOPBACK_CORE).map(r -> r.params().get("bytes")).orElse("400000000"))
                .append(") from one end of a 127.0.0.1 connection to the other, both ends in one JVM, each path"
                        + " with its own API on both ends. CPU is all Java threads of the process per GiB (both"
                        + " ends), with the peer receiving thread's share in brackets where the receiver is a"
                        + " thread of its own.\n\n");
        s.append("| path | GiB/s | per transfer | CPU-s per GiB (peer) | cores busy | heap allocated per transfer |\n");
        s.append("|---|---|---|---|---|---|\n");
        s.append("| iperf3, one TCP stream (the ceiling) | ").append(gib(refs.iperf3)).append(" | | ")
                .append(refs.iperf3Details).append(" | | |\n");
        for (String path : PATHS.keySet()) {
            Optional<Result> r = jmh.find(path);
            s.append("| ").append(PATHS.get(path)[0]).append(" | ").append(gib(loop(path))).append(" | ")
                    .append(time(r.map(x -> Figure.of(x.secondsPerOp())))).append(" | ")
                    .append(Profile.cpuPerGib(r, loopBytes(r))).append(" | ")
                    .append(Profile.metric(r, "cpu.cores", 2)).append(" | ")
                    .append(bytes(r.flatMap(x -> x.metric("gc.alloc.rate.norm")))).append(" |\n");
        }
        s.append("| Python recipe (`send_from`/`recv_into`, numpy, two processes) | ").append(gib(refs.recipe))
                .append(" | | | | |\n\n");

        Optional<Figure> core = loop(LOOPBACK_CORE);
        Optional<Figure> adapter = loop(LOOPBACK_ADAPTER);
        Optional<Figure> channels = loop(LOOPBACK_KTOR_CHANNELS);
        Optional<Figure> hand = loop(LOOPBACK_HAND_NIO);
        s.append("| ratio | value |\n|---|---|\n");
        s.append(ratioRow("core / iperf3 ceiling", core, refs.iperf3));
        s.append(ratioRow("adapter / iperf3 ceiling", adapter, refs.iperf3));
        s.append(ratioRow("hand NIO / iperf3 ceiling", hand, refs.iperf3));
        s.append(ratioRow("core / Python recipe", core, refs.recipe));
        s.append(ratioRow("adapter / Python recipe", adapter, refs.recipe));
        s.append(ratioRow("core / Ktor channels", core, channels));
        s.append(ratioRow("adapter / Ktor channels", adapter, channels));
        s.append(ratioRow("core / hand NIO", core, hand));
        s.append(ratioRow("adapter / hand NIO", adapter, hand));
        s.append(ratioRow("adapter / core", adapter, core));
        return s.append("\n").toString();
    }
}
