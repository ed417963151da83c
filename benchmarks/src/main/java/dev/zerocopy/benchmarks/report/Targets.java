package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.FramePath;
import dev.zerocopy.benchmarks.NettyTransport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import static dev.zerocopy.benchmarks.report.Format.ratio;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FRAMES_PING_PONG;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_KTOR_CHANNELS;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_BYTE_BUFFER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_VIEW;

/**
 * The suite's targets as data: each names the figure that decides it (a ratio of medians from one
 * run, or a figure against a bound) and what the profiles say when it is missed. They are
 * evaluated once per report, before any section is written; the targets section prints the
 * verdicts. A figure whose benchmark this jar lacks fails the report ({@link KnownBenchmarks});
 * one whose group did not run or failed is "not measured".
 */
final class Targets {

    private Targets() {
    }

    /** Everything a target may read: the references and the sections' figures. */
    record Measured(References refs, LoopbackSection loopback, Warmup warmup, NettySection netty, FrameFigures frames,
            FileSection files, SliceSection slices, ConcurrencySection concurrency, ConnectionsTable connections,
            AllocationSection allocation, ObservabilitySection observability) {
    }

    /** How a figure is judged against the threshold. */
    enum Bound {
        /** met when the median is at least the threshold */
        AT_LEAST,
        /** met when the median is above the threshold */
        ABOVE,
        /** met when the median is at most the threshold */
        AT_MOST
    }

    /**
     * One target.
     *
     * @param goal what must hold, as the report prints it
     * @param figure the figure that decides it
     * @param bound how the figure is judged
     * @param threshold the bound's value
     * @param unit the figure's unit as printed ("x" for a ratio)
     * @param evidence for a miss, what the profiles measured
     */
    record Target(String goal, Function<Measured, Optional<Figure>> figure, Bound bound, double threshold, String unit,
            Function<Measured, String> evidence) {
    }

    /** Whether a target was met. */
    enum Status { PASS, MISS, NOT_MEASURED }

    /**
     * A target judged on this run.
     *
     * @param target the target
     * @param measured the figure as printed, "-" if not measured
     * @param status the verdict
     * @param evidence for a miss, what the profiles measured
     */
    record Verdict(Target target, String measured, Status status, String evidence) {
    }

    /** Judges every target once. */
    static List<Verdict> evaluate(List<Target> targets, Measured measured) {
        List<Verdict> verdicts = new ArrayList<>();
        for (Target t : targets) {
            Optional<Figure> figure = t.figure.apply(measured);
            if (figure.isEmpty()) {
                verdicts.add(new Verdict(t, "-", Status.NOT_MEASURED, ""));
                continue;
            }
            double value = figure.get().median();
            boolean met = switch (t.bound) {
                case AT_LEAST -> value >= t.threshold;
                case ABOVE -> value > t.threshold;
                case AT_MOST -> value <= t.threshold;
            };
            String printed = t.unit.equals("x") ? figure.get().format(2, "x") : figure.get().format(t.unit);
            verdicts.add(new Verdict(t, printed, met ? Status.PASS : Status.MISS, met ? "" : t.evidence.apply(measured)));
        }
        return verdicts;
    }

    private static Target atLeast(String goal, Function<Measured, Optional<Figure>> figure, double threshold,
            Function<Measured, String> evidence) {
        return new Target(goal, figure, Bound.AT_LEAST, threshold, "x", evidence);
    }

    private static Target atMost(String goal, Function<Measured, Optional<Figure>> figure, double threshold, String unit,
            Function<Measured, String> evidence) {
        return new Target(goal, figure, Bound.AT_MOST, threshold, unit, evidence);
    }

    /** Every target of the suite, in the order the report prints them. */
    static List<Target> all() {
        List<Target> all = new ArrayList<>();
        // One connection, 400 MB.
        all.add(atLeast("Core blocking loop >= 0.9x the iperf3 ceiling",
                m -> ratio(m.loopback.loop(LOOPBACK_CORE), m.refs.iperf3), 0.9,
                m -> m.loopback.loopProfile(LOOPBACK_CORE) + " " + m.loopback.iperf3Profile()));
        all.add(atLeast("Adapter >= 0.9x the iperf3 ceiling",
                m -> ratio(m.loopback.loop(LOOPBACK_ADAPTER), m.refs.iperf3), 0.9,
                m -> m.loopback.loopProfile(LOOPBACK_ADAPTER) + " " + m.loopback.iperf3Profile()));
        all.add(new Target("Core blocking loop above the Python recipe",
                m -> ratio(m.loopback.loop(LOOPBACK_CORE), m.refs.recipe), Bound.ABOVE, 1.0, "x",
                m -> m.loopback.loopProfile(LOOPBACK_CORE) + " " + m.loopback.iperf3Profile() + recipe(m)));
        all.add(new Target("Adapter above the Python recipe",
                m -> ratio(m.loopback.loop(LOOPBACK_ADAPTER), m.refs.recipe), Bound.ABOVE, 1.0, "x",
                m -> m.loopback.loopProfile(LOOPBACK_ADAPTER) + " " + m.loopback.loopProfile(LOOPBACK_CORE) + recipe(m)));
        all.add(atLeast("Adapter >= 0.9x the core loop",
                m -> ratio(m.loopback.loop(LOOPBACK_ADAPTER), m.loopback.loop(LOOPBACK_CORE)), 0.9,
                m -> m.loopback.loopProfile(LOOPBACK_ADAPTER) + " " + m.loopback.loopProfile(LOOPBACK_CORE)));
        all.add(atLeast("Adapter >= 3x Ktor's channel path",
                m -> ratio(m.loopback.loop(LOOPBACK_ADAPTER), m.loopback.loop(LOOPBACK_KTOR_CHANNELS)), 3.0,
                m -> m.loopback.loopProfile(LOOPBACK_ADAPTER) + " " + m.loopback.loopProfile(LOOPBACK_KTOR_CHANNELS)));
        all.add(atLeast("Adapter >= 0.95x core, 400 MB, steady state (warm-up group)",
                m -> ratio(m.warmup.steadyState(LOOPBACK_ADAPTER), m.warmup.steadyState(LOOPBACK_CORE)),
                0.95, Targets::warmupEvidence));
        all.add(atLeast("Adapter >= 1.0x Netty epoll, 400 MB, steady state (warm-up group)",
                m -> ratio(m.warmup.steadyState(LOOPBACK_ADAPTER),
                        m.warmup.steadyState(Warmup.netty(NettyTransport.EPOLL))),
                1.0, Targets::warmupEvidence));
        all.add(atMost("Adapter reaches 90 % of its steady state within as many transfers as the core (adapter / core)",
                m -> ratio(m.warmup.transfersToSteady(LOOPBACK_ADAPTER),
                        m.warmup.transfersToSteady(LOOPBACK_CORE)),
                1.0, "x", Targets::warmupEvidence));
        // Small frames.
        for (String size : FrameFigures.SIZES) {
            String payload = FrameFigures.label(size);
            all.add(atLeast("Adapter ping-pong >= 1.0x Netty epoll msgs/s (" + payload + ")",
                    m -> ratio(m.frames.messagesPerSecond(FRAMES_PING_PONG, FramePath.ADAPTER, size),
                            m.frames.messagesPerSecond(FRAMES_PING_PONG, FramePath.NETTY_EPOLL, size)),
                    1.0, m -> framesEvidence(m, FRAMES_PING_PONG, size)));
            all.add(atMost("Adapter ping-pong p99 no worse than Netty epoll's (" + payload + ", adapter / Netty)",
                    m -> ratio(m.frames.latency(FramePath.ADAPTER, size, "p99"), m.frames.latency(FramePath.NETTY_EPOLL, size, "p99")),
                    1.0, "x", m -> framesEvidence(m, FRAMES_PING_PONG, size)));
            for (FramePath path : List.of(FramePath.ADAPTER, FramePath.CORE)) {
                String name = path == FramePath.ADAPTER ? "Adapter" : "Core";
                all.add(atMost(name + " frames allocate <= Netty epoll per message (ping-pong, " + payload + ", "
                                + name.toLowerCase(Locale.ROOT) + " / Netty)",
                        m -> ratio(m.frames.allocationPerMessage(FRAMES_PING_PONG, path, size),
                                m.frames.allocationPerMessage(FRAMES_PING_PONG, FramePath.NETTY_EPOLL, size)),
                        1.0, "x", m -> framesEvidence(m, FRAMES_PING_PONG, size)));
            }
        }
        // Many connections.
        all.add(atLeast("5,000 connections, 1 MiB each way: adapter >= 1.0x Netty NIO GiB/s",
                m -> ratio(m.connections.gib(ConnectionsTable.KTOR, 5000),
                        m.connections.gib(ConnectionsTable.NETTY_NIO, 5000)), 1.0,
                Targets::connectionsEvidence));
        all.add(atMost("5,000 connections, 1 MiB each way: adapter CPU-s per GiB <= Netty NIO's (adapter / Netty)",
                m -> ratio(m.connections.cpuPerGib(ConnectionsTable.KTOR, 5000),
                        m.connections.cpuPerGib(ConnectionsTable.NETTY_NIO, 5000)), 1.0, "x",
                Targets::connectionsEvidence));
        all.add(atLeast("5,000 concurrent adapter connections >= 0.8x one connection, in aggregate (JMH)",
                m -> ratio(m.concurrency.concurrency(5000), m.concurrency.concurrency(1)), 0.8, m -> m.concurrency.concurrencyProfile()));
        // Files.
        for (String sender : FileSection.SENDERS) {
            all.add(atLeast("Automatic file mode >= 0.95x the best forced mode (" + KnownBenchmarks.method(sender) + ")",
                    m -> ratio(m.files.file(sender, "AUTO"), m.files.bestForced(sender).map(Map.Entry::getValue)),
                    0.95, m -> m.files.autoProfile(sender)));
        }
        // Slicing.
        all.add(atMost("View slicing constant in size (`ByteView.slice` 20 MiB / 1 MiB <= 1.5)",
                m -> ratio(m.slices.seconds(SLICE_VIEW, "20971520"), m.slices.seconds(SLICE_VIEW, "1048576")),
                1.5, "x", m -> m.slices.sliceProfile()));
        for (String size : SliceSection.SIZES) {
            all.add(atMost("`ByteView.slice` within 2x of `ByteBuffer.slice` (" + SliceSection.label(size) + ")",
                    m -> ratio(m.slices.seconds(SLICE_VIEW, size), m.slices.seconds(SLICE_BYTE_BUFFER, size)),
                    2.0, "x", m -> m.slices.sliceProfile()));
        }
        // Allocation of the steady-state view loops.
        for (AllocationSection.Loop loop : AllocationSection.LOOPS) {
            if (!loop.isFloor()) {
                all.add(atMost("Zero bytes allocated per call: " + loop.name(), m -> m.allocation.aboveFloor(loop), 8,
                        " B/call", m -> m.allocation.allocationProfile(loop)));
            }
        }
        // Observability.
        all.add(atMost("Disabled JFR event <= 5 ns per transfer",
                m -> m.observability.eventNanos("disabled"), 5, " ns", m -> m.observability.profile()));
        return all;
    }

    private static String recipe(Measured m) {
        return m.refs.recipe.map(f -> " The Python recipe moved " + f.formatMedian() + " GiB/s.").orElse("");
    }

    private static String warmupEvidence(Measured m) {
        StringBuilder s = new StringBuilder("Steady state (GiB/s) and the transfer at which 90 % of it is reached:");
        for (String key : List.of(LOOPBACK_CORE, LOOPBACK_ADAPTER, Warmup.netty(NettyTransport.EPOLL))) {
            s.append(" ").append(Warmup.PATHS.get(key)).append(" ")
                    .append(m.warmup.steadyState(key).map(Figure::formatMedian).orElse("-")).append(" at transfer ")
                    .append(m.warmup.transfersToSteady(key).map(f -> String.format(Locale.ROOT, "%.0f", f.median()))
                            .orElse("-")).append(";");
        }
        m.netty.loop(NettyTransport.EPOLL).ifPresent(f -> s.append(" after JMH's warm-up iterations Netty epoll ran ")
                .append(f.formatMedian()).append(" GiB/s;"));
        return s.append(" see the warm-up section for every transfer.").toString();
    }

    private static String framesEvidence(Measured m, String benchmark, String size) {
        StringBuilder s = new StringBuilder();
        for (FramePath path : List.of(FramePath.ADAPTER, FramePath.CORE, FramePath.NETTY_EPOLL)) {
            s.append(path).append(": ")
                    .append(m.frames.messagesPerSecond(benchmark, path, size).map(Figure::formatMedian).orElse("-")).append(" msgs/s, p50 ")
                    .append(m.frames.latency(path, size, "p50").map(Figure::formatMedian).orElse("-")).append(" us, p99 ")
                    .append(m.frames.latency(path, size, "p99").map(Figure::formatMedian).orElse("-")).append(" us, ")
                    .append(m.frames.cpuPerMessage(benchmark, path, size).map(Figure::formatMedian).orElse("-"))
                    .append(" CPU-us and ")
                    .append(m.frames.allocationPerMessage(benchmark, path, size).map(Figure::formatMedian).orElse("-"))
                    .append(" B per message. ");
        }
        return s.toString().trim();
    }

    private static String connectionsEvidence(Measured m) {
        StringBuilder s = new StringBuilder("At 5,000 connections:");
        for (String driver : List.of(ConnectionsTable.KTOR, ConnectionsTable.NETTY_NIO, ConnectionsTable.NETTY_EPOLL,
                ConnectionsTable.CORE_VT)) {
            s.append(" ").append(driver).append(" ")
                    .append(m.connections.gib(driver, 5000).map(Figure::formatMedian).orElse("-")).append(" GiB/s, ")
                    .append(m.connections.cpuPerGib(driver, 5000).map(Figure::formatMedian).orElse("-")).append(" CPU-s/GiB;");
        }
        return s.toString();
    }
}
