package dev.zerocopy.benchmarks.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** The results of the JMH runs of one comparison, read from JMH's JSON output ({@code -rf json}). */
final class JmhResults {

    private static final String PACKAGE = "dev.zerocopy.benchmarks.";

    /**
     * One benchmark, with one set of parameters.
     *
     * @param benchmark class and method, e.g. {@code LoopbackBenchmark.core}
     * @param params the JMH parameters
     * @param unit the primary metric's unit, e.g. {@code ms/op}
     * @param samples the primary metric of every measured iteration of every fork, fork by fork
     * @param forks how many forks ran (each measured {@code samples.length / forks} iterations)
     * @param secondary the secondary metrics (profilers, gauges) by name
     */
    record Result(String benchmark, Map<String, String> params, String unit, double[] samples, int forks,
            Map<String, Metric> secondary) {

        /** Returns the samples as seconds per operation, whatever the time unit. */
        double[] secondsPerOp() {
            double scale = switch (unit) {
                case "s/op" -> 1;
                case "ms/op" -> 1e-3;
                case "us/op" -> 1e-6;
                case "ns/op" -> 1e-9;
                default -> throw new IllegalStateException(benchmark + " is in " + unit + ", not time per operation");
            };
            double[] seconds = samples.clone();
            for (int i = 0; i < seconds.length; i++) {
                seconds[i] *= scale;
            }
            return seconds;
        }

        /**
         * Returns {@link #secondsPerOp()} fork by fork.
         *
         * @throws IllegalStateException if the forks measured different numbers of iterations
         */
        List<double[]> secondsPerOpByFork() {
            double[] seconds = secondsPerOp();
            if (forks <= 0 || seconds.length % forks != 0) {
                throw new IllegalStateException(benchmark + " has " + seconds.length + " samples from " + forks
                        + " forks, not the same number from each");
            }
            int each = seconds.length / forks;
            List<double[]> byFork = new ArrayList<>();
            for (int fork = 0; fork < forks; fork++) {
                byFork.add(Arrays.copyOfRange(seconds, fork * each, (fork + 1) * each));
            }
            return byFork;
        }

        /** Returns GiB/s per sample, for an operation that moves {@code bytesPerOp} bytes. */
        Figure throughput(double bytesPerOp) {
            return Figure.of(secondsPerOp(), s -> bytesPerOp / s / References.GIB);
        }

        /** Returns a secondary metric's figure, if the run reported it. */
        Optional<Figure> metric(String name) {
            Metric metric = secondary.get(name);
            return metric == null || metric.samples.length == 0 ? Optional.empty() : Optional.of(Figure.of(metric.samples));
        }
    }

    /**
     * A secondary metric.
     *
     * @param unit its unit
     * @param samples its value in every measured iteration
     */
    record Metric(String unit, double[] samples) {
    }

    private final List<Result> results = new ArrayList<>();
    private final List<String> files = new ArrayList<>();
    /** The benchmarks (class.method) that JMH's logs of these files record as failed. */
    private final Set<String> failed = new HashSet<>();
    private String jdk;
    private String jmhVersion;

    /** The group whose iterations are single transfers from a fresh JVM, read on its own. */
    static final String WARMUP_FILE = "jmh-warmup.json";

    /**
     * Reads every {@code jmh-*.json} in {@code directory} but the warm-up group's; a missing or
     * empty file is skipped.
     *
     * @throws IllegalStateException if the results and the declared benchmarks differ
     *     ({@link KnownBenchmarks#requireComplete}), or benchmarks.jar and they do
     */
    static JmhResults read(Path directory) throws IOException {
        return read(directory, "jmh-*.json", name -> !name.equals(WARMUP_FILE));
    }

    /**
     * Reads the warm-up group's results ({@link #WARMUP_FILE}), empty if it did not run.
     *
     * @throws IllegalStateException as {@link #read(Path)} does
     */
    static JmhResults readWarmup(Path directory) throws IOException {
        return read(directory, WARMUP_FILE, name -> true);
    }

    private static JmhResults read(Path directory, String glob, java.util.function.Predicate<String> include)
            throws IOException {
        JmhResults all = new JmhResults();
        List<Path> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, glob)) {
            files.forEach(file -> {
                if (include.test(file.getFileName().toString())) {
                    found.add(file);
                }
            });
        }
        found.sort(null);
        for (Path file : found) {
            if (Files.size(file) > 0) {
                all.add(file);
            }
            all.readFailures(file.resolveSibling(file.getFileName().toString().replaceFirst("\\.json$", ".log")));
        }
        KnownBenchmarks.requireInJar();
        KnownBenchmarks.requireComplete(all.results.stream().map(Result::benchmark).toList(), all.failed,
                "JMH results " + glob + " in " + directory);
        return all;
    }

    /**
     * Notes the benchmarks that JMH's log (what run.sh keeps beside each JSON file) shows
     * failing: a {@code <failure>} line after the benchmark's {@code # Benchmark:} line.
     */
    private void readFailures(Path log) throws IOException {
        if (!Files.isRegularFile(log)) {
            return;
        }
        String current = null;
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("# Benchmark: ")) {
                current = withoutPackage(line.substring("# Benchmark: ".length()).trim());
            } else if (current != null && line.contains("<failure>")) {
                failed.add(current);
            }
        }
    }

    private static String withoutPackage(String benchmark) {
        return benchmark.startsWith(PACKAGE) ? benchmark.substring(PACKAGE.length()) : benchmark;
    }

    private void add(Path file) throws IOException {
        files.add(file.getFileName().toString());
        try (Reader reader = Files.newBufferedReader(file)) {
            for (JsonElement element : JsonParser.parseReader(reader).getAsJsonArray()) {
                JsonObject run = element.getAsJsonObject();
                jdk = run.get("jdkVersion").getAsString() + " (" + run.get("vmName").getAsString() + " "
                        + run.get("vmVersion").getAsString() + ")";
                jmhVersion = run.get("jmhVersion").getAsString();
                Map<String, String> params = new LinkedHashMap<>();
                if (run.has("params")) {
                    run.getAsJsonObject("params").entrySet()
                            .forEach(e -> params.put(e.getKey(), e.getValue().getAsString()));
                }
                JsonObject primary = run.getAsJsonObject("primaryMetric");
                Map<String, Metric> secondary = new LinkedHashMap<>();
                if (run.has("secondaryMetrics")) {
                    for (Map.Entry<String, JsonElement> e : run.getAsJsonObject("secondaryMetrics").entrySet()) {
                        JsonObject metric = e.getValue().getAsJsonObject();
                        // JMH prefixes profiler metrics with a middle dot in some versions.
                        secondary.put(e.getKey().replace("\u00b7", ""),
                                new Metric(metric.get("scoreUnit").getAsString(), raw(metric)));
                    }
                }
                String benchmark = withoutPackage(run.get("benchmark").getAsString());
                int forks = primary.has("rawData") ? primary.getAsJsonArray("rawData").size() : 0;
                results.add(new Result(benchmark, params, primary.get("scoreUnit").getAsString(), raw(primary),
                        forks, secondary));
            }
        }
    }

    private static double[] raw(JsonObject metric) {
        List<Double> values = new ArrayList<>();
        if (metric.has("rawData")) {
            for (JsonElement fork : metric.getAsJsonArray("rawData")) {
                for (JsonElement value : fork.getAsJsonArray()) {
                    if (value.isJsonPrimitive() && value.getAsJsonPrimitive().isNumber()) {
                        values.add(value.getAsDouble());
                    }
                }
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /**
     * Finds a benchmark's result whose parameters include {@code params} (name, value, ...);
     * empty if this run has none.
     *
     * @throws IllegalStateException if benchmarks.jar has no such benchmark or parameter
     */
    Optional<Result> find(String benchmark, String... params) {
        KnownBenchmarks.require(benchmark, params);
        return results.stream()
                .filter(r -> r.benchmark.equals(benchmark) && r.samples.length > 0)
                .filter(r -> {
                    for (int i = 0; i + 1 < params.length; i += 2) {
                        if (!params[i + 1].equals(r.params.get(params[i]))) {
                            return false;
                        }
                    }
                    return true;
                })
                .findFirst();
    }

    /**
     * Returns a benchmark's seconds per operation, for the result whose parameters include
     * {@code params}; empty if this run has none.
     */
    Optional<Figure> seconds(String benchmark, String... params) {
        return find(benchmark, params).map(r -> Figure.of(r.secondsPerOp()));
    }

    /**
     * Returns every result of one benchmark, whatever its parameters, in file order.
     *
     * @throws IllegalStateException if benchmarks.jar has no such benchmark
     */
    List<Result> all(String benchmark) {
        KnownBenchmarks.require(benchmark);
        return results.stream().filter(r -> r.benchmark.equals(benchmark)).toList();
    }

    boolean isEmpty() {
        return results.isEmpty();
    }

    List<String> files() {
        return files;
    }

    /** The JDK the benchmarks ran on, or null if nothing was read. */
    String jdk() {
        return jdk;
    }

    String jmhVersion() {
        return jmhVersion;
    }
}
