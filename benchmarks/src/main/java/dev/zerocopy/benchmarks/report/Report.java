package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.AllocationBenchmark;
import dev.zerocopy.benchmarks.ConcurrencyBenchmark;
import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytes;
import static dev.zerocopy.benchmarks.report.Format.bytesMedian;
import static dev.zerocopy.benchmarks.report.Format.fixed;
import static dev.zerocopy.benchmarks.report.Format.gib;
import static dev.zerocopy.benchmarks.report.Format.ratio;
import static dev.zerocopy.benchmarks.report.Format.ratioRow;
import static dev.zerocopy.benchmarks.report.Format.ratioText;
import static dev.zerocopy.benchmarks.report.Format.size;
import static dev.zerocopy.benchmarks.report.Format.time;

/**
 * Writes {@code RESULTS.md} and the throughput chart from one run of {@code benchmarks/run.sh}:
 * JMH's JSON output ({@code jmh-*.json}, read with Gson) and the references' JSON in the same
 * directory. Every figure is the median of its samples with the half-width of the 99.9 %
 * confidence interval of the mean; every ratio is of medians from this run. The targets
 * ({@link Targets}) are judged once, before any section is written, as met or not met by their
 * median, and a miss carries what the profilers measured; the sections only write. The
 * sections of the Netty, frame, warm-up, many-connection and observability groups are writers of
 * their own ({@link NettySection}, {@link FrameFigures}, {@link Warmup}, {@link ConnectionsTable},
 * {@link ObservabilitySection}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.zerocopy.benchmarks.report.Report --results DIR
 * --markdown RESULTS.md --chart throughput.png [--mode quick] [--elapsed SECONDS] [--note TEXT]}
 */
public final class Report {

    private static final double GIB = References.GIB;
    private static final String[] FILE_MODES = {"ZERO_COPY", "COPY_64K", "COPY_1M", "AUTO"};
    private static final String[] LOOP_PATHS = {"core", "adapter", "ktorChannels", "handNio"};
    /** The allocation benchmark's loops: method, name, and whose floor applies ("" for a floor). */
    static final String[][] ALLOCATION_LOOPS = {
        {"coreSendFrom", "core `sendFrom`", "core"}, {"coreRecvInto", "core `recvInto`", "core"},
        {"handNioSend", "floor: hand NIO write loop", ""},
        {"adapterSendFrom", "adapter `sendFrom`", "adapter"}, {"adapterRecvInto", "adapter `recvInto`", "adapter"},
        {"runBlockingHarness", "floor: runBlocking + withTimeout", ""}};
    private static final Map<String, String> LOOP_NAMES = Map.of(
            "core", "core blocking loop (`ZeroCopy.sendFrom`/`recvInto`)",
            "adapter", "Ktor adapter (`Socket.sendFrom`/`recvInto`)",
            "ktorChannels", "Ktor's channels (`writeFully`/`readFully`)",
            "handNio", "hand-written NIO loop (direct buffer)");

    private final JmhResults jmh;
    private final References refs;
    private final String mode;
    private final long elapsedSeconds;
    private final String note;
    private final List<ThroughputChart.Bar> bars = new ArrayList<>();
    private final Warmup warmup;
    private final FrameFigures frames;
    private final ConnectionsTable connections;
    private final NettySection netty;
    private final ObservabilitySection observability;
    /** Every target, judged once before any section is written. */
    private final List<Targets.Verdict> verdicts;

    private Report(JmhResults jmh, JmhResults warmupRuns, ConnectionsTable connections, References refs, String mode,
            long elapsedSeconds, String note) {
        this.note = note;
        this.jmh = jmh;
        this.refs = refs;
        this.mode = mode;
        this.elapsedSeconds = elapsedSeconds;
        this.warmup = new Warmup(warmupRuns);
        this.frames = new FrameFigures(jmh);
        this.connections = connections;
        this.netty = new NettySection(jmh, this);
        this.observability = new ObservabilitySection(jmh);
        this.verdicts = Targets.evaluate(Targets.all(),
                new Targets.Measured(this, refs, warmup, frames, connections, netty, observability));
    }

    /**
     * Reads one run's results and writes the Markdown report and the chart.
     *
     * @param args {@code --results DIR --markdown FILE --chart FILE [--mode NAME] [--elapsed SECONDS]}
     * @throws IOException if the results cannot be read or the outputs written
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected an option, found " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        for (String required : List.of("results", "markdown", "chart")) {
            if (!options.containsKey(required)) {
                System.err.println("usage: Report --results DIR --markdown FILE --chart FILE [--mode NAME]"
                        + " [--elapsed SECONDS] [--note TEXT]");
                System.exit(2);
            }
        }
        Path results = Paths.get(options.get("results"));
        Path markdown = Paths.get(options.get("markdown"));
        Path chart = Paths.get(options.get("chart"));
        Report report = new Report(JmhResults.read(results), JmhResults.readWarmup(results),
                ConnectionsTable.read(results), References.read(results),
                options.getOrDefault("mode", "full"), Long.parseLong(options.getOrDefault("elapsed", "-1")),
                options.getOrDefault("note", ""));
        String text = report.markdown(markdown.toAbsolutePath().getParent().relativize(chart.toAbsolutePath()),
                results);
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        Files.writeString(markdown, withHarnessSection(text, markdown));
        ThroughputChart.write(report.bars, "Throughput over 127.0.0.1, one run (" + report.mode + ")", chart);
        long missed = report.verdicts.stream().filter(v -> v.status() == Targets.Status.MISS).count();
        System.out.println("RESULTS: " + report.verdicts.size() + " targets, " + missed + " missed; wrote "
                + markdown + " and " + chart);
    }

    private String markdown(Path chart, Path results) {
        // Sections first: they fill the chart's bars.
        String seed = seedSection();
        String loopback = loopbackSection();
        String file = fileSection();
        String slicing = sliceSection();
        String splice = spliceSection();
        String concurrency = concurrencySection();
        String allocation = allocationSection();

        StringBuilder md = new StringBuilder();
        md.append("# Benchmark results\n\n");
        if (mode.equals("smoke")) {
            md.append("> **Smoke run**: small sizes and very short iterations, to check that the suite runs."
                    + " These are not results.\n\n");
        }
        md.append("Written by `benchmarks/run.sh").append(mode.equals("full") ? "" : " --" + mode)
                .append("` on ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern(
                        "yyyy-MM-dd HH:mm 'UTC'"))).append(", everything measured in one run on one machine");
        if (elapsedSeconds >= 0) {
            md.append(String.format(Locale.ROOT, " (%d min %02d s)", elapsedSeconds / 60, elapsedSeconds % 60));
        }
        md.append(".\n\n");
        if (!note.isEmpty()) {
            md.append("> **Note:** ").append(note).append("\n\n");
        }
        md.append("| | |\n|---|---|\n");
        md.append("| machine | ").append(Machine.describe()).append(" |\n");
        md.append("| load average (1, 5, 15 min) when written | ").append(Machine.loadAverage()).append(" |\n");
        md.append("| JDK | ").append(jmh.jdk() == null ? "(no JMH results)" : jmh.jdk()).append(" |\n");
        md.append("| JMH | ").append(jmh.jmhVersion() == null ? "-" : jmh.jmhVersion()).append(" |\n");
        md.append("| Python | ").append(refs.python.isEmpty() ? "-" : refs.python)
                .append(refs.numpy.isEmpty() ? "" : ", numpy " + refs.numpy).append(" |\n");
        md.append("| iperf3 | ").append(refs.iperf3Details.isEmpty() ? "not measured" : refs.iperf3Details)
                .append(" |\n\n");
        md.append("Each figure is the median of its samples (JMH iterations, Python transfers, iperf3 seconds)"
                + " ± the half-width of the 99.9 % confidence interval of their mean, as JMH reports errors;"
                + " `(n=2)` marks a figure with too few samples (two or fewer) for an error. Ratios are of medians from this run, with the relative errors"
                + " combined. A target passes when its median ratio meets it. The machine is shared and single"
                + " runs swing by ±30 %: compare ratios from one run, not figures across runs.\n\n");
        md.append("![Throughput over loopback](").append(chart.toString().replace('\\', '/')).append(")\n\n");
        md.append(targetsSection());
        md.append(seed).append(loopback).append(warmup.section()).append(netty.section()).append(frames.section())
                .append(file).append(slicing).append(splice).append(concurrency).append(connections.section())
                .append(allocation).append(observability.section());
        md.append("## Raw data\n\n");
        md.append("JMH's JSON and logs, and the references' JSON, are in `").append(results.getFileName())
                .append("` under `benchmarks/target/results/` of the run (not committed). JMH files read: ")
                .append(jmh.files().isEmpty() ? "none" : String.join(", ", jmh.files())).append(".\n");
        if (!refs.notes.isEmpty()) {
            md.append("\nNot measured, or failed, in this run:\n\n");
            refs.notes.forEach(note -> md.append("- ").append(note).append("\n"));
        }
        return md.toString();
    }

    // ---- targets -----------------------------------------------------------------------------

    private String targetsSection() {
        StringBuilder s = new StringBuilder("## Targets\n\n| target | measured | result |\n|---|---|---|\n");
        for (Targets.Verdict v : verdicts) {
            s.append("| ").append(v.target().goal()).append(" | ").append(v.measured()).append(" | ")
                    .append(switch (v.status()) {
                        case PASS -> "met";
                        case MISS -> "**not met**";
                        case NOT_MEASURED -> "not measured";
                    }).append(" |\n");
        }
        List<Targets.Verdict> missed = verdicts.stream().filter(v -> v.status() == Targets.Status.MISS).toList();
        if (!missed.isEmpty()) {
            s.append("\n### What the profiles show for each miss\n\n");
            for (Targets.Verdict v : missed) {
                s.append("- **").append(v.target().goal()).append("** (").append(v.measured()).append("): ")
                        .append(v.evidence()).append("\n");
            }
        }
        return s.append("\n").toString();
    }

    // ---- the seed's claims -------------------------------------------------------------------

    private String seedSection() {
        StringBuilder s = new StringBuilder("## The seed's numbers, side by side\n\n");
        s.append("The seeds' own figures, the seeds' Python code timed on this machine in this run"
                + " (`python/seed_micro.py`, `python/recipe.py`), and this library.\n\n");
        s.append("| claim | seed says | Python, here | ours, here |\n|---|---|---|---|\n");
        Optional<Figure> copy = seconds("SliceBenchmark.copy", "size", "20971520");
        Optional<Figure> view = seconds("SliceBenchmark.view", "size", "20971520");
        s.append("| slice 20 MB by copy | ~5 ms | ").append(time(seed("slice_copy_20MB"))).append(" | ")
                .append(time(copy)).append(" (`Arrays.copyOfRange`, 20 MiB) |\n");
        s.append("| slice 20 MB as a view | ~250 ns | ").append(time(seed("slice_view_20MB"))).append(" | ")
                .append(time(view)).append(" (`ByteView.slice`) |\n");
        s.append("| receive 1 MB, rebuild the 100 MB cache | ~33 ms | ").append(time(seed("recv_then_rebuild_1MB")))
                .append(" | ").append(time(seconds("SpliceBenchmark.recvThenRebuild", "channel", "memory")))
                .append(" (in-memory channel) |\n");
        s.append("| receive 1 MB into a slice of the cache | ~33 us | ").append(time(seed("recv_into_slice_1MB")))
                .append(" | ").append(time(seconds("SpliceBenchmark.recvIntoSlice", "channel", "memory")))
                .append(" (`ZeroCopy.recvInto`, in-memory channel) |\n");
        s.append("| send_from/recv_into of the 400 MB array | (no figure) | ").append(gib(refs.recipe))
                .append(" GiB/s | ").append(gib(loop("core"))).append(" GiB/s (core), ").append(gib(loop("adapter")))
                .append(" GiB/s (adapter) |\n");
        s.append("| sendfile \"usually twice as fast\" as read/send | 2x | ").append(gib(refs.sendfile))
                .append(" GiB/s (`socket.sendfile`) | zero-copy / 64 KiB copy loop: ")
                .append(ratioText(file("core", "ZERO_COPY"), file("core", "COPY_64K")))
                .append("; zero-copy / 1 MiB copy loop: ").append(ratioText(file("core", "ZERO_COPY"), file("core", "COPY_1M")))
                .append(" |\n\n");
        return s.toString();
    }

    private Optional<Figure> seed(String name) {
        return Optional.ofNullable(refs.seed.get(name));
    }

    // ---- loopback ----------------------------------------------------------------------------

    private String loopbackSection() {
        StringBuilder s = new StringBuilder("## Loopback throughput: the seed's 400 MB array\n\n");
        s.append("`LoopbackBenchmark`: one transfer of the array (`bytes` = ")
                .append(jmh.find("LoopbackBenchmark.core").map(r -> r.params().get("bytes")).orElse("400000000"))
                .append(") from one end of a 127.0.0.1 connection to the other, both ends in one JVM, each path"
                        + " with its own API on both ends. CPU is all Java threads of the process per GiB (both"
                        + " ends), with the peer receiving thread's share in brackets where the receiver is a"
                        + " thread of its own.\n\n");
        s.append("| path | GiB/s | per transfer | CPU-s per GiB (peer) | cores busy | heap allocated per transfer |\n");
        s.append("|---|---|---|---|---|---|\n");
        s.append("| iperf3, one TCP stream (the ceiling) | ").append(gib(refs.iperf3)).append(" | | ")
                .append(refs.iperf3Details).append(" | | |\n");
        for (String path : LOOP_PATHS) {
            Optional<Result> r = jmh.find("LoopbackBenchmark." + path);
            Optional<Figure> gib = loop(path);
            r.ifPresent(result -> bars.add(new ThroughputChart.Bar(shortLoopName(path),
                    size(loopBytes(r)) + " array", gib.orElseThrow())));
            s.append("| ").append(LOOP_NAMES.get(path)).append(" | ").append(gib(gib)).append(" | ")
                    .append(time(r.map(x -> Figure.of(x.secondsPerOp())))).append(" | ")
                    .append(cpuPerGib(r, loopBytes(r))).append(" | ")
                    .append(metric(r, "cpu.cores", 2)).append(" | ")
                    .append(bytes(r.flatMap(x -> x.metric("gc.alloc.rate.norm")))).append(" |\n");
        }
        s.append("| Python recipe (`send_from`/`recv_into`, numpy, two processes) | ").append(gib(refs.recipe))
                .append(" | | | | |\n\n");
        refs.iperf3.ifPresent(f -> bars.add(0, new ThroughputChart.Bar("iperf3 (ceiling)", "reference", f)));
        refs.recipe.ifPresent(f -> bars.add(new ThroughputChart.Bar("Python recipe", "reference", f)));

        Optional<Figure> core = loop("core");
        Optional<Figure> adapter = loop("adapter");
        Optional<Figure> channels = loop("ktorChannels");
        Optional<Figure> hand = loop("handNio");
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
        s.append("\n");

        return s.toString();
    }

    private static String shortLoopName(String path) {
        return switch (path) {
            case "core" -> "core loop";
            case "adapter" -> "Ktor adapter";
            case "ktorChannels" -> "Ktor channels";
            case "handNio" -> "hand NIO";
            default -> path;
        };
    }

    Optional<Figure> loop(String path) {
        return jmh.find("LoopbackBenchmark." + path).map(r -> throughput(r, loopBytes(Optional.of(r))));
    }

    private static double loopBytes(Optional<Result> r) {
        return r.map(x -> Double.parseDouble(x.params().get("bytes"))).orElse(Double.NaN);
    }

    String loopProfile(String path) {
        Optional<Result> r = jmh.find("LoopbackBenchmark." + path);
        return r.map(x -> profile(shortLoopName(path), x, loopBytes(r))).orElse("");
    }

    String iperf3Profile() {
        return refs.iperf3.map(f -> "iperf3 moved " + f.formatMedian() + " GiB/s (" + refs.iperf3Details + ").")
                .orElse("");
    }

    // ---- files -------------------------------------------------------------------------------

    private String fileSection() {
        StringBuilder s = new StringBuilder("## File sending: a page-cached file over loopback\n\n");
        s.append("`FileSendBenchmark`: the whole file (`fileSize` = ")
                .append(jmh.find("FileSendBenchmark.core").map(r -> r.params().get("fileSize")).orElse("1073741824"))
                .append(" bytes), read once right before each trial, sent over 127.0.0.1 to a plain NIO"
                        + " channel drained by a peer thread. CPU-s per GiB: all Java threads, then the"
                        + " sender's share (all minus the drain thread's). `AUTO ran` is the share of bytes"
                        + " AUTO sent by zero-copy.\n\n");
        s.append("| sender | mode | GiB/s | CPU-s per GiB | sender CPU-s per GiB | AUTO ran |\n");
        s.append("|---|---|---|---|---|---|\n");
        for (String driver : List.of("core", "adapter")) {
            for (String fileMode : FILE_MODES) {
                Optional<Result> r = jmh.find("FileSendBenchmark." + driver, "mode", fileMode);
                double bytes = r.map(x -> Double.parseDouble(x.params().get("fileSize"))).orElse(Double.NaN);
                Optional<Figure> gib = r.map(x -> throughput(x, bytes));
                gib.ifPresent(f -> bars.add(new ThroughputChart.Bar(driver + " file " + modeName(fileMode),
                        size(bytes) + " file", f)));
                s.append("| ").append(driver).append(" | ").append(modeName(fileMode)).append(" | ")
                        .append(gib(gib)).append(" | ")
                        .append(fixed(r.flatMap(x -> x.metric("cpu.process")).map(f -> f.times(1e-9 * GIB / bytes)), 3))
                        .append(" | ").append(fixed(senderCpu(r).map(f -> f.times(1e-9 * GIB / bytes)), 3)).append(" | ")
                        .append(fileMode.equals("AUTO")
                                ? r.flatMap(x -> x.metric("zeroCopy.share")).map(f -> zeroCopyShare(f.median())).orElse("-")
                                : "").append(" |\n");
            }
        }
        s.append("| Python `socket.sendfile` | zero-copy | ").append(gib(refs.sendfile)).append(" | | ")
                .append(fixed(refs.sendfileCpuPerGib, 3)).append(" | |\n\n");
        refs.sendfile.ifPresent(f -> bars.add(new ThroughputChart.Bar("Python sendfile", "reference", f)));

        s.append("| ratio | value |\n|---|---|\n");
        for (String driver : List.of("core", "adapter")) {
            Optional<Figure> best = bestForced(driver).map(Map.Entry::getValue);
            s.append(ratioRow(driver + ": AUTO / best forced mode ("
                    + bestForced(driver).map(e -> modeName(e.getKey())).orElse("-") + ")", file(driver, "AUTO"), best));
            s.append(ratioRow(driver + ": zero-copy / 64 KiB copy loop", file(driver, "ZERO_COPY"), file(driver, "COPY_64K")));
            s.append(ratioRow(driver + ": zero-copy / 1 MiB copy loop", file(driver, "ZERO_COPY"), file(driver, "COPY_1M")));
            s.append(ratioRow(driver + ": AUTO / Python socket.sendfile", file(driver, "AUTO"), refs.sendfile));
        }
        s.append(ratioRow("adapter / core, AUTO", file("adapter", "AUTO"), file("core", "AUTO")));
        s.append("\n");
        return s.toString();
    }

    private static String modeName(String mode) {
        return switch (mode) {
            case "ZERO_COPY" -> "zero-copy";
            case "COPY_64K" -> "copy 64 KiB";
            case "COPY_1M" -> "copy 1 MiB";
            case "AUTO" -> "AUTO";
            default -> mode;
        };
    }

    private static String zeroCopyShare(double share) {
        return share == 0 ? "copy loop" : share == 1 ? "zero-copy"
                : String.format(Locale.ROOT, "%.0f %% zero-copy", share * 100);
    }

    Optional<Figure> file(String driver, String mode) {
        return jmh.find("FileSendBenchmark." + driver, "mode", mode)
                .map(r -> throughput(r, Double.parseDouble(r.params().get("fileSize"))));
    }

    Optional<Map.Entry<String, Figure>> bestForced(String driver) {
        Optional<Map.Entry<String, Figure>> best = Optional.empty();
        for (String mode : List.of("ZERO_COPY", "COPY_64K", "COPY_1M")) {
            Optional<Figure> f = file(driver, mode);
            if (f.isPresent() && (best.isEmpty() || f.get().median() > best.get().getValue().median())) {
                best = Optional.of(Map.entry(mode, f.get()));
            }
        }
        return best;
    }

    String autoProfile(String driver) {
        StringBuilder s = new StringBuilder();
        Optional<Result> auto = jmh.find("FileSendBenchmark." + driver, "mode", "AUTO");
        auto.flatMap(r -> r.metric("zeroCopy.share")).ifPresent(f ->
                s.append("AUTO ran ").append(zeroCopyShare(f.median())).append(". "));
        for (String mode : FILE_MODES) {
            jmh.find("FileSendBenchmark." + driver, "mode", mode).ifPresent(r ->
                    s.append(profile(modeName(mode), r, Double.parseDouble(r.params().get("fileSize")))).append(" "));
        }
        return s.toString().trim();
    }

    /** Per-iteration CPU of the whole process minus the peer threads', in ns per operation. */
    private static Optional<Figure> senderCpu(Optional<Result> r) {
        return r.flatMap(x -> {
            JmhResults.Metric process = x.secondary().get("cpu.process");
            JmhResults.Metric peers = x.secondary().get("cpu.peers");
            if (process == null || peers == null || process.samples().length != peers.samples().length
                    || process.samples().length == 0) {
                return Optional.empty();
            }
            double[] sender = new double[process.samples().length];
            for (int i = 0; i < sender.length; i++) {
                sender[i] = process.samples()[i] - peers.samples()[i];
            }
            return Optional.of(Figure.of(sender));
        });
    }

    // ---- slicing -----------------------------------------------------------------------------

    private String sliceSection() {
        StringBuilder s = new StringBuilder("## Slicing\n\n");
        s.append("`SliceBenchmark`: a chunk at offset 1234 of a 100 MiB array. The Python columns are the"
                + " seed's code on this machine (20 MB only, as in the seed).\n\n");
        s.append("| size | copy (`Arrays.copyOfRange`) | `ByteView.slice` | `ByteBuffer.slice` | allocated per"
                + " view / per ByteBuffer | Python bytes slice | Python memoryview slice |\n");
        s.append("|---|---|---|---|---|---|---|\n");
        for (String size : List.of("1048576", "20971520")) {
            boolean seedSize = size.equals("20971520");
            s.append("| ").append(Integer.parseInt(size) >> 20).append(" MiB | ")
                    .append(time(seconds("SliceBenchmark.copy", "size", size))).append(" | ")
                    .append(time(seconds("SliceBenchmark.view", "size", size))).append(" | ")
                    .append(time(seconds("SliceBenchmark.byteBuffer", "size", size))).append(" | ")
                    .append(bytes(jmh.find("SliceBenchmark.view", "size", size).flatMap(r -> r.metric("gc.alloc.rate.norm"))))
                    .append(" / ")
                    .append(bytes(jmh.find("SliceBenchmark.byteBuffer", "size", size).flatMap(r -> r.metric("gc.alloc.rate.norm"))))
                    .append(" | ").append(seedSize ? time(seed("slice_copy_20MB")) : "")
                    .append(" | ").append(seedSize ? time(seed("slice_view_20MB")) : "").append(" |\n");
        }
        Optional<Figure> view1 = seconds("SliceBenchmark.view", "size", "1048576");
        Optional<Figure> view20 = seconds("SliceBenchmark.view", "size", "20971520");
        s.append("\n| ratio | value |\n|---|---|\n");
        s.append(ratioRow("view, 20 MiB / 1 MiB", view20, view1));
        for (String size : List.of("1048576", "20971520")) {
            String mib = (Integer.parseInt(size) >> 20) + " MiB";
            s.append(ratioRow("`ByteView.slice` / `ByteBuffer.slice`, " + mib, seconds("SliceBenchmark.view", "size", size),
                    seconds("SliceBenchmark.byteBuffer", "size", size)));
            s.append(ratioRow("copy / `ByteView.slice`, " + mib, seconds("SliceBenchmark.copy", "size", size),
                    seconds("SliceBenchmark.view", "size", size)));
        }
        s.append("\n");
        return s.toString();
    }

    String sliceProfile() {
        StringBuilder s = new StringBuilder();
        for (String method : List.of("view", "byteBuffer")) {
            for (String size : List.of("1048576", "20971520")) {
                jmh.find("SliceBenchmark." + method, "size", size).ifPresent(r -> s.append(method).append(" ")
                        .append(Integer.parseInt(size) >> 20).append(" MiB: ")
                        .append(Figure.of(r.secondsPerOp()).times(1e9).formatMedian()).append(" ns, ")
                        .append(r.metric("gc.alloc.rate.norm").map(f -> bytesMedian(f.median())).orElse("-"))
                        .append(" allocated per slice; "));
            }
        }
        return s.append("a slice's cost is its allocation and field copies, so a gap is extra objects or"
                + " checks per slice.").toString();
    }

    // ---- splicing ----------------------------------------------------------------------------

    private String spliceSection() {
        StringBuilder s = new StringBuilder("## Splicing a received chunk into a cache\n\n");
        s.append("`SpliceBenchmark`: one 1 MiB chunk into a 100 MiB heap cache at offset 1234. \"memory\" is a"
                + " channel that always has a chunk ready (the seed's FakeSocket); \"socket\" is a 127.0.0.1"
                + " connection fed without pause by a peer thread.\n\n");
        s.append("| channel | receive, then rebuild the cache | `recvInto` a slice of the cache | rebuild / recvInto |\n");
        s.append("|---|---|---|---|\n");
        for (String channel : List.of("memory", "socket")) {
            Optional<Figure> slow = seconds("SpliceBenchmark.recvThenRebuild", "channel", channel);
            Optional<Figure> fast = seconds("SpliceBenchmark.recvIntoSlice", "channel", channel);
            s.append("| ").append(channel).append(" | ").append(time(slow)).append(" | ").append(time(fast))
                    .append(" | ").append(ratioText(slow, fast)).append(" |\n");
        }
        s.append("| Python, the seed's FakeSocket (here) | ").append(time(seed("recv_then_rebuild_1MB"))).append(" | ")
                .append(time(seed("recv_into_slice_1MB"))).append(" | ")
                .append(ratioText(seed("recv_then_rebuild_1MB"), seed("recv_into_slice_1MB"))).append(" |\n");
        s.append("| the seed's claim | ~33 ms | ~33 us | ~1000x |\n\n");
        return s.toString();
    }

    // ---- concurrency -------------------------------------------------------------------------

    private String concurrencySection() {
        StringBuilder s = new StringBuilder("## Concurrent connections through the adapter\n\n");
        s.append("`ConcurrencyBenchmark`: every connection moves 1 MiB chunks (`Socket.sendFrom` into"
                + " `Socket.recvInto`) at once on one selector; a round moves at least 1 GiB in all. Heap per"
                + " connection: heap in use after a full GC with the connections open and idle, minus before,"
                + " per connection (both its sockets); fixed costs (classes loaded, the selector) make it"
                + " meaningful only for many connections. Allocated: heap allocated per connection per round.\n\n");
        s.append("| connections | aggregate GiB/s | vs 1 connection | heap per connection | allocated per"
                + " connection per round | cores busy | CPU-s per GiB |\n");
        s.append("|---|---|---|---|---|---|---|\n");
        List<Result> runs = new ArrayList<>(jmh.ofClass("ConcurrencyBenchmark"));
        runs.sort(Comparator.comparingInt(r -> Integer.parseInt(r.params().get("connections"))));
        Optional<Figure> single = concurrency(1);
        for (Result r : runs) {
            int n = Integer.parseInt(r.params().get("connections"));
            Optional<Figure> gib = concurrency(n);
            s.append("| ").append(String.format(Locale.ROOT, "%,d", n)).append(" | ").append(gib(gib)).append(" | ")
                    .append(n == 1 ? "" : ratioText(gib, single)).append(" | ")
                    .append(bytes(r.metric("heap.perConnection"))).append(" | ")
                    .append(bytes(r.metric("gc.alloc.rate.norm").map(f -> f.times(1.0 / n)))).append(" | ")
                    .append(metric(Optional.of(r), "cpu.cores", 2)).append(" | ")
                    .append(fixed(r.metric("cpu.process").map(f -> f.times(1e-9 * GIB / ConcurrencyBenchmark.bytesPerRound(n))), 3))
                    .append(" |\n");
        }
        s.append("\n");
        return s.toString();
    }

    String concurrencyProfile() {
        StringBuilder e = new StringBuilder();
        for (int n : new int[] {1, 5000}) {
            jmh.find("ConcurrencyBenchmark.round", "connections", Integer.toString(n)).ifPresent(r ->
                    e.append(profile(n + " connection" + (n == 1 ? "" : "s"), r,
                            ConcurrencyBenchmark.bytesPerRound(n))).append(" "));
        }
        return e.toString().trim();
    }

    Optional<Figure> concurrency(int connections) {
        return jmh.find("ConcurrencyBenchmark.round", "connections", Integer.toString(connections))
                .map(r -> throughput(r, ConcurrencyBenchmark.bytesPerRound(connections)));
    }

    // ---- allocation --------------------------------------------------------------------------

    private String allocationSection() {
        StringBuilder s = new StringBuilder("## Allocation in the steady-state loops\n\n");
        s.append("`AllocationBenchmark` under `-prof gc`: one operation is ").append(AllocationBenchmark.BATCH)
                .append(" calls, each moving a 1 MiB direct view over 127.0.0.1; the other end is a peer thread"
                        + " that allocates nothing. The floors are the same harness around code that allocates"
                        + " nothing (a hand NIO write loop; `runBlocking` + `withTimeout` around empty calls), so"
                        + " \"above the floor\" is the library's own allocation. A call counts as allocation-free"
                        + " below 8 B above the floor: any object is at least 16 B.\n\n");
        s.append("| loop | B per operation | B per call | B per call above the floor |\n|---|---|---|---|\n");
        Optional<Figure> coreFloor = allocationPerCall("handNioSend");
        Optional<Figure> adapterFloor = allocationPerCall("runBlockingHarness");
        for (String[] loop : ALLOCATION_LOOPS) {
            Optional<Figure> perOp = jmh.find("AllocationBenchmark." + loop[0]).flatMap(r -> r.metric("gc.alloc.rate.norm"));
            Optional<Figure> perCall = allocationPerCall(loop[0]);
            Optional<Figure> floor = loop[2].equals("core") ? coreFloor : adapterFloor;
            Optional<Figure> above = loop[2].isEmpty() ? Optional.empty() : aboveFloor(perCall, floor);
            s.append("| ").append(loop[1]).append(" | ").append(bytes(perOp)).append(" | ").append(bytes(perCall))
                    .append(" | ").append(loop[2].isEmpty() ? "" : bytes(above)).append(" |\n");
        }
        s.append("\n");
        return s.toString();
    }

    /** The allocation loop's call per call above its floor, for its target. */
    Optional<Figure> aboveFloor(String[] loop) {
        Optional<Figure> floor = allocationPerCall(loop[2].equals("core") ? "handNioSend" : "runBlockingHarness");
        return aboveFloor(allocationPerCall(loop[0]), floor);
    }

    private Optional<Figure> allocationPerCall(String method) {
        return jmh.find("AllocationBenchmark." + method).flatMap(r -> r.metric("gc.alloc.rate.norm"))
                .map(f -> f.times(1.0 / AllocationBenchmark.BATCH));
    }

    private static Optional<Figure> aboveFloor(Optional<Figure> perCall, Optional<Figure> floor) {
        if (perCall.isEmpty() || floor.isEmpty()) {
            return Optional.empty();
        }
        Figure call = perCall.get();
        Figure base = floor.get();
        double error = Double.isNaN(call.error()) || Double.isNaN(base.error()) ? Double.NaN
                : Math.hypot(call.error(), base.error());
        return Optional.of(new Figure(Math.max(0, call.median() - base.median()), error, Math.min(call.n(), base.n())));
    }

    String allocationProfile(String method) {
        Optional<Figure> perCall = allocationPerCall(method);
        String side = method.startsWith("core") ? "core" : "adapter";
        Optional<Result> loop = jmh.find("LoopbackBenchmark." + side);
        Optional<Result> hand = jmh.find("LoopbackBenchmark.handNio");
        StringBuilder s = new StringBuilder(perCall.map(f -> f.formatMedian() + " B per 1 MiB call").orElse("-"));
        loop.flatMap(r -> r.metric("gc.alloc.rate.norm")).ifPresent(f -> {
            s.append("; one whole ").append(loop.get().params().get("bytes")).append("-byte transfer of the ")
                    .append(side).append(" path (one send and one receive call of many 1 MiB steps, in the loopback"
                            + " benchmark's harness) allocated ").append(bytesMedian(f.median()));
            hand.flatMap(r -> r.metric("gc.alloc.rate.norm")).ifPresent(h -> s.append(", the hand-written NIO"
                    + " loop in the same harness ").append(bytesMedian(h.median())));
        });
        return s.append(".").toString();
    }

    // ---- shared helpers ----------------------------------------------------------------------

    Optional<Figure> seconds(String benchmark, String... params) {
        return jmh.find(benchmark, params).map(r -> Figure.of(r.secondsPerOp()));
    }

    static Figure throughput(Result r, double bytesPerOp) {
        return Figure.of(r.secondsPerOp(), s -> bytesPerOp / s / GIB);
    }




    /** A profiler summary of one result, in medians: cores busy, CPU per GiB, allocation, GCs, and what they suggest. */
    private static String profile(String name, Result r, double bytesPerOp) {
        StringBuilder s = new StringBuilder(name).append(": ");
        s.append(throughput(r, bytesPerOp).formatMedian()).append(" GiB/s");
        Optional<Figure> cores = r.metric("cpu.cores");
        cores.ifPresent(f -> s.append(", ").append(f.formatMedian()).append(" cores busy"));
        r.metric("cpu.process").ifPresent(f -> s.append(", ").append(f.times(1e-9 * GIB / bytesPerOp).formatMedian())
                .append(" CPU-s per GiB"));
        r.metric("cpu.peers").filter(f -> f.median() > 0).ifPresent(f -> s.append(" (peer threads ")
                .append(f.times(1e-9 * GIB / bytesPerOp).formatMedian()).append(")"));
        r.metric("gc.alloc.rate.norm").ifPresent(f -> s.append(", ")
                .append(bytesMedian(f.median()))
                .append(" allocated per operation"));
        r.metric("gc.count").ifPresent(f -> s.append(", ").append(f.formatMedian()).append(" GCs per iteration"));
        cores.ifPresent(f -> s.append(f.median() >= 1.8
                ? " - both cores busy: CPU-bound here, so CPU per GiB is what is in the way."
                : " - the cores are idle part of the time: the path waits (wake-ups, hand-offs) more than it computes."));
        return s.append(s.charAt(s.length() - 1) == '.' ? "" : ".").toString();
    }

    static String cpuPerGib(Optional<Result> r, double bytesPerOp) {
        return r.flatMap(x -> x.metric("cpu.process")).map(process -> {
            String all = process.times(1e-9 * GIB / bytesPerOp).format(3);
            Optional<Figure> peers = r.get().metric("cpu.peers").filter(f -> f.median() > 0);
            return all + peers.map(f -> " (" + f.times(1e-9 * GIB / bytesPerOp).format(3) + ")").orElse("");
        }).orElse("-");
    }

    private static String metric(Optional<Result> r, String name, int decimals) {
        return r.flatMap(x -> x.metric(name)).map(f -> f.format(decimals)).orElse("-");
    }







    /**
     * Carries over the section that {@code benchmarks/vt-harness.sh} wrote into the old file
     * (between its markers), placed before "## Raw data": that script measures on JDK 21+ and
     * separately from this run.
     */
    private static String withHarnessSection(String text, Path markdown) throws IOException {
        if (!Files.isRegularFile(markdown)) {
            return text;
        }
        String old = Files.readString(markdown);
        int start = old.indexOf("<!-- vt-harness -->");
        int end = old.indexOf("<!-- /vt-harness -->");
        if (start < 0 || end < start) {
            return text;
        }
        String section = old.substring(start, end + "<!-- /vt-harness -->".length()) + "\n\n";
        int raw = text.indexOf("## Raw data");
        return raw < 0 ? text + "\n" + section : text.substring(0, raw) + section + text.substring(raw);
    }
}
