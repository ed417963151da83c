package dev.zerocopy.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes {@code RESULTS.md} and the throughput chart from one run of {@code benchmarks/run.sh}:
 * JMH's JSON output ({@code jmh-*.json}, read with Gson; a result set that lacks a benchmark
 * of {@link KnownBenchmarks} or holds an unknown one fails here) and the references' JSON in the
 * same directory. Every figure is the median of its samples with the half-width of the 99.9 %
 * confidence interval of the mean; every ratio is of medians from this run. The targets
 * ({@link Targets}, data) are judged once, before any section is written, as met or not met by
 * their median, and a miss carries what the profilers measured; then each section, a small
 * writer of its own, writes in the order below.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.zerocopy.benchmarks.report.Report --results DIR
 * --markdown RESULTS.md --chart throughput.png [--mode quick] [--elapsed SECONDS] [--note TEXT]}
 */
public final class Report {

    private Report() {
    }

    /**
     * Reads one run's results and writes the Markdown report and the chart.
     *
     * @param args {@code --results DIR --markdown FILE --chart FILE [--mode NAME] [--elapsed SECONDS] [--note TEXT]}
     * @throws IOException if the results cannot be read or the outputs written
     * @throws IllegalStateException if the results and the benchmarks the report knows differ
     */
    public static void main(String[] args) throws IOException {
        Map<String, String> options = options(args);
        Path results = Paths.get(options.get("results"));
        Path markdown = Paths.get(options.get("markdown"));
        Path chart = Paths.get(options.get("chart"));
        String mode = options.getOrDefault("mode", "full");

        JmhResults jmh = JmhResults.read(results);
        References refs = References.read(results);
        LoopbackSection loopback = new LoopbackSection(jmh, refs);
        Warmup warmup = new Warmup(JmhResults.readWarmup(results));
        FileSection files = new FileSection(jmh, refs);
        NettySection netty = new NettySection(jmh, loopback, files);
        FrameFigures frames = new FrameFigures(jmh);
        SliceSection slices = new SliceSection(jmh, refs);
        SpliceSection splices = new SpliceSection(jmh, refs);
        ConcurrencySection concurrency = new ConcurrencySection(jmh);
        ConnectionsTable connections = ConnectionsTable.read(results);
        AllocationSection allocation = new AllocationSection(jmh);
        ObservabilitySection observability = new ObservabilitySection(jmh);
        List<Targets.Verdict> verdicts = Targets.evaluate(Targets.all(), new Targets.Measured(refs, loopback, warmup,
                netty, frames, files, slices, concurrency, connections, allocation, observability));

        List<Section> sections = List.of(
                new Header(mode, Long.parseLong(options.getOrDefault("elapsed", "-1")), options.getOrDefault("note", ""),
                        jmh, refs, markdown.toAbsolutePath().getParent().relativize(chart.toAbsolutePath())),
                new TargetsSection(verdicts), new SeedSection(refs, loopback, files, slices, splices), loopback, warmup,
                netty, frames, files, slices, splices, concurrency, connections, allocation, observability,
                new RawData(results, jmh, refs));
        StringBuilder text = new StringBuilder();
        sections.forEach(section -> text.append(section.section()));
        Files.createDirectories(markdown.toAbsolutePath().getParent());
        Files.writeString(markdown, withHarnessSection(text.toString(), markdown));

        List<ThroughputChart.Bar> bars = new ArrayList<>(loopback.bars());
        bars.addAll(files.bars());
        ThroughputChart.write(bars, "Throughput over 127.0.0.1, one run (" + mode + ")", chart);
        long missed = verdicts.stream().filter(v -> v.status() == Targets.Status.MISS).count();
        System.out.println("RESULTS: " + verdicts.size() + " targets, " + missed + " missed; wrote "
                + markdown + " and " + chart);
    }

    private static Map<String, String> options(String[] args) {
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
        return options;
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
