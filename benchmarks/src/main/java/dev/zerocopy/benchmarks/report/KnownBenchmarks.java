package dev.zerocopy.benchmarks.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * The benchmarks this jar holds and their parameters, read from JMH's own list
 * ({@code META-INF/BenchmarkList}). The report asks for every result by name; a name that is not
 * here (a benchmark or parameter renamed or removed) fails the report at once instead of
 * turning into "not measured".
 */
final class KnownBenchmarks {

    private static final String PACKAGE = "dev.zerocopy.benchmarks.";
    private static final Map<String, Set<String>> PARAMS = load();

    private KnownBenchmarks() {
    }

    /**
     * Checks that {@code benchmark} (class.method) exists and has every parameter named in
     * {@code params} (name, value, ...).
     *
     * @throws IllegalStateException naming what is missing and what exists
     */
    static void require(String benchmark, String... params) {
        Set<String> known = PARAMS.get(benchmark);
        if (known == null) {
            throw new IllegalStateException("the report asks for benchmark " + benchmark
                    + ", which benchmarks.jar does not have (renamed or removed?); it has " + PARAMS.keySet());
        }
        for (int i = 0; i < params.length; i += 2) {
            if (!known.contains(params[i])) {
                throw new IllegalStateException("the report asks for parameter " + params[i] + " of " + benchmark
                        + ", which has only " + known);
            }
        }
    }

    private static Map<String, Set<String>> load() {
        Map<String, Set<String>> params = new HashMap<>();
        try (InputStream list = KnownBenchmarks.class.getResourceAsStream("/META-INF/BenchmarkList")) {
            if (list == null) {
                throw new IllegalStateException("no META-INF/BenchmarkList on the class path: run the report from benchmarks.jar");
            }
            BufferedReader lines = new BufferedReader(new InputStreamReader(list, StandardCharsets.UTF_8));
            for (String line : (Iterable<String>) lines.lines()::iterator) {
                if (line.isBlank()) {
                    continue;
                }
                BenchmarkListEntry entry = new BenchmarkListEntry(line);
                String name = entry.getUsername();
                if (name.startsWith(PACKAGE)) {
                    name = name.substring(PACKAGE.length());
                }
                params.put(name, entry.getParams().hasValue() ? Set.copyOf(entry.getParams().get().keySet()) : Set.of());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.copyOf(params);
    }

    /** Every known benchmark of one class, for sections that list them all. */
    static List<String> ofClass(String className) {
        return PARAMS.keySet().stream().filter(b -> b.startsWith(className + ".")).sorted().toList();
    }
}
