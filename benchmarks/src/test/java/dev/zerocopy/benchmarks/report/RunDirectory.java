package dev.zerocopy.benchmarks.report;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A results directory as {@code run.sh} leaves it, written by a test: JMH JSON files of
 * hand-made results (seconds per operation, no profilers) and JMH logs.
 */
final class RunDirectory {

    private final Path directory;
    private JsonArray pending = new JsonArray();

    RunDirectory(Path directory) {
        this.directory = directory;
    }

    Path path() {
        return directory;
    }

    /**
     * Adds one result to the file being built.
     *
     * @param benchmark class.method, without the package
     * @param params name, value, ...
     * @param secondsPerOp one sample per measured iteration
     */
    RunDirectory result(String benchmark, String[] params, double... secondsPerOp) {
        return forks(benchmark, params, secondsPerOp);
    }

    /**
     * Adds one result of several forks to the file being built.
     *
     * @param benchmark class.method, without the package
     * @param params name, value, ...
     * @param forks each fork's samples, one per measured iteration
     */
    RunDirectory forks(String benchmark, String[] params, double[]... forks) {
        JsonObject run = new JsonObject();
        run.addProperty("jmhVersion", "1.37");
        run.addProperty("benchmark", "dev.zerocopy.benchmarks." + benchmark);
        run.addProperty("jdkVersion", "17");
        run.addProperty("vmName", "OpenJDK 64-Bit Server VM");
        run.addProperty("vmVersion", "17");
        JsonObject parameters = new JsonObject();
        for (int i = 0; i < params.length; i += 2) {
            parameters.addProperty(params[i], params[i + 1]);
        }
        run.add("params", parameters);
        JsonObject primary = new JsonObject();
        primary.addProperty("scoreUnit", "s/op");
        JsonArray raw = new JsonArray();
        for (double[] samples : forks) {
            JsonArray fork = new JsonArray();
            for (double s : samples) {
                fork.add(s);
            }
            raw.add(fork);
        }
        primary.add("rawData", raw);
        run.add("primaryMetric", primary);
        run.add("secondaryMetrics", new JsonObject());
        pending.add(run);
        return this;
    }

    /**
     * Adds one result with {@code -prof gc}'s bytes per operation, one sample per measured iteration
     * (and 1 ms per operation).
     *
     * @param benchmark class.method, without the package
     * @param params name, value, ...
     * @param bytesPerOp gc.alloc.rate.norm's samples
     */
    RunDirectory allocation(String benchmark, String[] params, double... bytesPerOp) {
        double[] seconds = new double[bytesPerOp.length];
        Arrays.fill(seconds, 1e-3);
        forks(benchmark, params, seconds);
        JsonObject metric = new JsonObject();
        metric.addProperty("scoreUnit", "B/op");
        JsonArray raw = new JsonArray();
        JsonArray fork = new JsonArray();
        for (double b : bytesPerOp) {
            fork.add(b);
        }
        raw.add(fork);
        metric.add("rawData", raw);
        JsonObject secondary = new JsonObject();
        secondary.add("\u00b7gc.alloc.rate.norm", metric);
        pending.get(pending.size() - 1).getAsJsonObject().add("secondaryMetrics", secondary);
        return this;
    }

    /** Writes the results added since the last write as {@code jmh-<group>.json}. */
    RunDirectory writeJson(String group) throws IOException {
        Files.writeString(directory.resolve("jmh-" + group + ".json"), pending.toString());
        pending = new JsonArray();
        return this;
    }

    /** Writes {@code jmh-<group>.log} with these lines. */
    RunDirectory writeLog(String group, String... lines) throws IOException {
        Files.write(directory.resolve("jmh-" + group + ".log"), java.util.List.of(lines));
        return this;
    }

    /** The 400 MB group with every path at these seconds per transfer (core, adapter, Ktor's channels, hand NIO). */
    RunDirectory loopback(double core, double adapter, double channels, double hand) throws IOException {
        String[] bytes = {"bytes", "400000000"};
        return result(KnownBenchmarks.LOOPBACK_ADAPTER, bytes, adapter, adapter, adapter)
                .result(KnownBenchmarks.LOOPBACK_CORE, bytes, core, core, core)
                .result(KnownBenchmarks.LOOPBACK_HAND_NIO, bytes, hand, hand, hand)
                .result(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, bytes, channels, channels, channels)
                .writeJson("loopback");
    }
}
