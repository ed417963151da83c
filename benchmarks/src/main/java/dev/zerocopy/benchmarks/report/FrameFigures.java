package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.FramePath;
import dev.zerocopy.benchmarks.FramesBenchmark;
import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.List;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FRAMES_PING_PONG;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FRAMES_STREAM;

/**
 * The small-frame figures ({@code FramesBenchmark}): messages per second, round-trip latency and
 * allocation and CPU per message, per client path and payload size; and their section.
 */
final class FrameFigures implements Section {

    static final List<String> SIZES = List.of("64", "1024", "16384");

    private final JmhResults jmh;

    FrameFigures(JmhResults jmh) {
        this.jmh = jmh;
    }

    /** A payload size as the report names it: "64 B", "1 KiB", "16 KiB". */
    static String label(String size) {
        int bytes = Integer.parseInt(size);
        return bytes >= 1024 && bytes % 1024 == 0 ? (bytes / 1024) + " KiB" : bytes + " B";
    }

    private Optional<Result> find(String benchmark, FramePath path, String size) {
        return jmh.find(benchmark, "path", path.name(), "size", size);
    }

    private static int batch(String benchmark) {
        return benchmark.equals(FRAMES_PING_PONG) ? FramesBenchmark.PING_BATCH : FramesBenchmark.STREAM_BATCH;
    }

    /** Messages per second: round trips for ping-pong, frames sent for stream. */
    Optional<Figure> messagesPerSecond(String benchmark, FramePath path, String size) {
        return find(benchmark, path, size).map(r -> Figure.of(r.secondsPerOp(), s -> batch(benchmark) / s));
    }

    /** A ping-pong round trip's latency percentile ({@code "p50"} or {@code "p99"}), in microseconds. */
    Optional<Figure> latency(FramePath path, String size, String percentile) {
        return find(FRAMES_PING_PONG, path, size).flatMap(r -> r.metric("latency." + percentile));
    }

    /** Heap bytes allocated per message (the peer allocates nothing). */
    Optional<Figure> allocationPerMessage(String benchmark, FramePath path, String size) {
        return find(benchmark, path, size).flatMap(r -> r.metric("gc.alloc.rate.norm")).map(f -> f.times(1.0 / batch(benchmark)));
    }

    /** CPU time of the whole process per message, in microseconds. */
    Optional<Figure> cpuPerMessage(String benchmark, FramePath path, String size) {
        return find(benchmark, path, size).flatMap(r -> r.metric("cpu.process")).map(f -> f.times(1e-3 / batch(benchmark)));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Small frames: ping-pong and one-way stream\n\n");
        s.append("`FramesBenchmark`: frames in the core's format (8-byte big-endian length, then the payload) on one"
                + " 127.0.0.1 connection, every client path against the same far end (a blocking NIO peer thread"
                + " that allocates nothing). Ping-pong: one frame out, its echo back, ")
                .append(FramesBenchmark.PING_BATCH).append(" round trips per operation, each timed into a"
                        + " histogram (p50/p99 per iteration, medians over iterations). Stream: ")
                .append(FramesBenchmark.STREAM_BATCH).append(" frames one way per operation. Allocation and CPU"
                        + " are per message, the whole process (client, peer, JMH).\n\n");
        s.append("| path | payload | ping-pong, thousand msgs/s | p50 us | p99 us | B/msg | CPU us/msg | stream, thousand msgs/s | B/msg |\n");
        s.append("|---|---|---|---|---|---|---|---|---|\n");
        for (String size : SIZES) {
            for (FramePath path : FramePath.values()) {
                if (find(FRAMES_PING_PONG, path, size).isEmpty() && find(FRAMES_STREAM, path, size).isEmpty()) {
                    continue;
                }
                s.append("| ").append(path.name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ')).append(" | ")
                        .append(label(size)).append(" | ")
                        .append(Format.fixed(messagesPerSecond(FRAMES_PING_PONG, path, size).map(f -> f.times(1e-3)), 1)).append(" | ")
                        .append(Format.fixed(latency(path, size, "p50"), 1)).append(" | ")
                        .append(Format.fixed(latency(path, size, "p99"), 1)).append(" | ")
                        .append(Format.bytes(allocationPerMessage(FRAMES_PING_PONG, path, size))).append(" | ")
                        .append(Format.fixed(cpuPerMessage(FRAMES_PING_PONG, path, size), 1)).append(" | ")
                        .append(Format.fixed(messagesPerSecond(FRAMES_STREAM, path, size).map(f -> f.times(1e-3)), 1)).append(" | ")
                        .append(Format.bytes(allocationPerMessage(FRAMES_STREAM, path, size))).append(" |\n");
            }
        }
        s.append("\n| ratio | 64 B | 1 KiB | 16 KiB |\n|---|---|---|---|\n");
        ratioRow(s, "adapter / Netty epoll, ping-pong msgs/s", FRAMES_PING_PONG, FramePath.ADAPTER, FramePath.NETTY_EPOLL);
        ratioRow(s, "core / Netty epoll, ping-pong msgs/s", FRAMES_PING_PONG, FramePath.CORE, FramePath.NETTY_EPOLL);
        ratioRow(s, "adapter / core, ping-pong msgs/s", FRAMES_PING_PONG, FramePath.ADAPTER, FramePath.CORE);
        ratioRow(s, "adapter / Netty epoll, stream msgs/s", FRAMES_STREAM, FramePath.ADAPTER, FramePath.NETTY_EPOLL);
        ratioRow(s, "core / Netty epoll, stream msgs/s", FRAMES_STREAM, FramePath.CORE, FramePath.NETTY_EPOLL);
        return s.append("\n").toString();
    }

    private void ratioRow(StringBuilder s, String label, String benchmark, FramePath numerator, FramePath denominator) {
        s.append("| ").append(label);
        for (String size : SIZES) {
            s.append(" | ").append(Format.ratioText(messagesPerSecond(benchmark, numerator, size),
                    messagesPerSecond(benchmark, denominator, size)));
        }
        s.append(" |\n");
    }
}
