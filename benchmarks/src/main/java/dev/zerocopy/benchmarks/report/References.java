package dev.zerocopy.benchmarks.report;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The references measured without a JVM in the same run: iperf3 over loopback (the machine's
 * ceiling) and the Python scripts under {@code benchmarks/python/}. A reference that was not
 * measured, or whose output cannot be read, is absent, and the reason is kept for the report.
 */
final class References {

    static final double GIB = 1 << 30;

    /** iperf3's one-stream throughput in GiB/s, one sample per reported interval. */
    Optional<Figure> iperf3 = Optional.empty();
    /** iperf3's version and CPU use, as it reports them. */
    String iperf3Details = "";
    /** The seed's recipe in GiB/s, one sample per transfer. */
    Optional<Figure> recipe = Optional.empty();
    long recipeBytes;
    /** Python's socket.sendfile in GiB/s, one sample per transfer. */
    Optional<Figure> sendfile = Optional.empty();
    /** The Python sender's CPU seconds per GiB. */
    Optional<Figure> sendfileCpuPerGib = Optional.empty();
    long sendfileBytes;
    /** The seed's microbenchmarks on this machine: seconds per call, by case. */
    final Map<String, Figure> seed = new TreeMap<>();
    String python = "";
    String numpy = "";
    /** Why references are missing, and what failed in the run (from run.sh's failures.txt). */
    final List<String> notes = new ArrayList<>();

    /** One of the seed's microbenchmarks on this machine, seconds per call; empty if not measured. */
    Optional<Figure> seed(String name) {
        return Optional.ofNullable(seed.get(name));
    }

    static References read(Path directory) throws IOException {
        References references = new References();
        references.readIperf3(directory);
        references.readRecipe(directory.resolve("python-recipe.json"));
        references.readSendfile(directory.resolve("python-sendfile.json"));
        references.readSeed(directory.resolve("python-seed.json"));
        Path failures = directory.resolve("failures.txt");
        if (Files.exists(failures)) {
            Files.readAllLines(failures).stream().filter(line -> !line.isBlank())
                    .forEach(line -> references.notes.add("failed: " + line));
        }
        return references;
    }

    private void readIperf3(Path directory) throws IOException {
        Path skipped = directory.resolve("iperf3-skipped.txt");
        if (Files.exists(skipped)) {
            notes.add("iperf3: " + Files.readString(skipped).trim());
            return;
        }
        Optional<JsonObject> json = object(directory.resolve("iperf3.json"), "iperf3");
        if (json.isEmpty()) {
            return;
        }
        JsonObject run = json.get();
        if (run.has("error")) {
            notes.add("iperf3 failed: " + run.get("error").getAsString());
            return;
        }
        List<Double> samples = new ArrayList<>();
        for (JsonElement interval : run.getAsJsonArray("intervals")) {
            JsonObject sum = interval.getAsJsonObject().getAsJsonObject("sum");
            if (!(sum.has("omitted") && sum.get("omitted").getAsBoolean())) {
                samples.add(sum.get("bits_per_second").getAsDouble() / 8 / GIB);
            }
        }
        if (samples.isEmpty()) {
            notes.add("iperf3 reported no intervals");
            return;
        }
        iperf3 = Optional.of(Figure.of(samples.stream().mapToDouble(Double::doubleValue).toArray()));
        String version = run.getAsJsonObject("start").has("version")
                ? run.getAsJsonObject("start").get("version").getAsString() : "iperf3";
        JsonObject cpu = run.getAsJsonObject("end").getAsJsonObject("cpu_utilization_percent");
        iperf3Details = version + (cpu == null ? "" : String.format(java.util.Locale.ROOT,
                ", sender %.0f %% and receiver %.0f %% of one core", cpu.get("host_total").getAsDouble(),
                cpu.get("remote_total").getAsDouble()));
    }

    private void readRecipe(Path file) throws IOException {
        object(file, "the Python recipe").ifPresent(run -> {
            recipeBytes = run.get("bytes").getAsLong();
            recipe = Optional.of(Figure.of(doubles(run, "seconds"), s -> recipeBytes / s / GIB));
            python = run.get("python").getAsString();
            numpy = run.get("numpy").getAsString();
        });
    }

    private void readSendfile(Path file) throws IOException {
        object(file, "Python's socket.sendfile").ifPresent(run -> {
            sendfileBytes = run.get("bytes").getAsLong();
            sendfile = Optional.of(Figure.of(doubles(run, "seconds"), s -> sendfileBytes / s / GIB));
            sendfileCpuPerGib = Optional.of(Figure.of(doubles(run, "senderCpuSeconds"),
                    s -> s / (sendfileBytes / GIB)));
        });
    }

    private void readSeed(Path file) throws IOException {
        object(file, "the seed's Python microbenchmarks").ifPresent(run -> {
            for (Map.Entry<String, JsonElement> e : run.getAsJsonObject("seconds").entrySet()) {
                seed.put(e.getKey(), Figure.of(doubles(e.getValue())));
            }
        });
    }

    private Optional<JsonObject> object(Path file, String what) throws IOException {
        if (!Files.exists(file) || Files.size(file) == 0) {
            notes.add(what + ": not measured (no output in " + file.getFileName() + ")");
            return Optional.empty();
        }
        try (Reader reader = Files.newBufferedReader(file)) {
            return Optional.of(JsonParser.parseReader(reader).getAsJsonObject());
        } catch (RuntimeException e) {
            notes.add(what + ": unreadable output in " + file.getFileName() + " (" + e.getMessage() + ")");
            return Optional.empty();
        }
    }

    private static double[] doubles(JsonObject run, String name) {
        return doubles(run.get(name));
    }

    private static double[] doubles(JsonElement array) {
        List<Double> values = new ArrayList<>();
        array.getAsJsonArray().forEach(v -> values.add(v.getAsDouble()));
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
