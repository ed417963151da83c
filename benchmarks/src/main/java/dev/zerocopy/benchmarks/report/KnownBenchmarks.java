package dev.zerocopy.benchmarks.report;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.openjdk.jmh.runner.BenchmarkListEntry;

/**
 * Every benchmark the report joins on, declared once here by name (class.method, as JMH's JSON
 * names it without the package), and the checks that keep those names true. The report asks
 * for results only by these names; {@link #requireInJar()} fails when this jar lacks one (a
 * benchmark renamed or removed in the code) or has a benchmark in a declared class that is not
 * declared (one added or renamed); {@link #requireComplete} fails when a run's results lack a
 * declared benchmark of a class that ran without that benchmark failing, or hold one that is
 * not declared. Either way the message names the benchmark, instead of the report printing
 * "not measured".
 */
final class KnownBenchmarks {

    static final String LOOPBACK_CORE = "LoopbackBenchmark.core";
    static final String LOOPBACK_ADAPTER = "LoopbackBenchmark.adapter";
    static final String LOOPBACK_KTOR_CHANNELS = "LoopbackBenchmark.ktorChannels";
    static final String LOOPBACK_HAND_NIO = "LoopbackBenchmark.handNio";
    static final String NETTY_LOOPBACK = "NettyLoopbackBenchmark.netty";
    static final String FRAMES_PING_PONG = "FramesBenchmark.pingPong";
    static final String FRAMES_STREAM = "FramesBenchmark.stream";
    static final String FILE_CORE = "FileSendBenchmark.core";
    static final String FILE_ADAPTER = "FileSendBenchmark.adapter";
    static final String NETTY_FILE = "NettyFileSendBenchmark.netty";
    static final String SLICE_COPY = "SliceBenchmark.copy";
    static final String SLICE_VIEW = "SliceBenchmark.view";
    static final String SLICE_BYTE_BUFFER = "SliceBenchmark.byteBuffer";
    static final String SPLICE_RECV_THEN_REBUILD = "SpliceBenchmark.recvThenRebuild";
    static final String SPLICE_RECV_INTO_SLICE = "SpliceBenchmark.recvIntoSlice";
    static final String CONCURRENCY_ROUND = "ConcurrencyBenchmark.round";
    static final String ALLOCATION_CORE_SEND_FROM = "AllocationBenchmark.coreSendFrom";
    static final String ALLOCATION_CORE_RECV_INTO = "AllocationBenchmark.coreRecvInto";
    static final String ALLOCATION_HAND_NIO_SEND = "AllocationBenchmark.handNioSend";
    static final String ALLOCATION_ADAPTER_SEND_FROM = "AllocationBenchmark.adapterSendFrom";
    static final String ALLOCATION_ADAPTER_RECV_INTO = "AllocationBenchmark.adapterRecvInto";
    static final String ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND = "AllocationBenchmark.runBlockingHandNioSend";
    static final String EVENT = "TransferEventBenchmark.event";
    static final String COUNTERS = "TransferEventBenchmark.counters";

    /**
     * Every benchmark of the classes {@code run.sh} runs: the ones above, and those that run with
     * their class but that no table prints (the frame calls under {@code -prof gc}; their JMH
     * lines are in the raw data).
     */
    static final Set<String> DECLARED = Set.of(
            LOOPBACK_CORE, LOOPBACK_ADAPTER, LOOPBACK_KTOR_CHANNELS, LOOPBACK_HAND_NIO, NETTY_LOOPBACK,
            FRAMES_PING_PONG, FRAMES_STREAM, FILE_CORE, FILE_ADAPTER, NETTY_FILE,
            SLICE_COPY, SLICE_VIEW, SLICE_BYTE_BUFFER, SPLICE_RECV_THEN_REBUILD, SPLICE_RECV_INTO_SLICE,
            CONCURRENCY_ROUND, ALLOCATION_CORE_SEND_FROM, ALLOCATION_CORE_RECV_INTO, ALLOCATION_HAND_NIO_SEND,
            ALLOCATION_ADAPTER_SEND_FROM, ALLOCATION_ADAPTER_RECV_INTO, ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND,
            "AllocationBenchmark.coreSendFrame", "AllocationBenchmark.coreRecvFrame",
            "AllocationBenchmark.adapterSendFrame", "AllocationBenchmark.adapterRecvFrame",
            EVENT, COUNTERS);

    private static final String PACKAGE = "dev.zerocopy.benchmarks.";
    /** This jar's benchmarks (class.method) and their parameter names, from JMH's own list. */
    private static final Map<String, Set<String>> IN_JAR = load();

    private KnownBenchmarks() {
    }

    /**
     * Checks that {@code benchmark} is declared here and that this jar has it with every
     * parameter named in {@code params} (name, value, ...).
     *
     * @throws IllegalStateException naming what is missing and what exists
     */
    static void require(String benchmark, String... params) {
        if (!DECLARED.contains(benchmark)) {
            throw new IllegalStateException("the report asks for benchmark " + benchmark
                    + ", which KnownBenchmarks does not declare; it declares " + new TreeSet<>(DECLARED));
        }
        Set<String> known = IN_JAR.get(benchmark);
        if (known == null) {
            throw new IllegalStateException("the report asks for benchmark " + benchmark
                    + ", which benchmarks.jar does not have (renamed or removed?); it has " + new TreeSet<>(IN_JAR.keySet()));
        }
        for (int i = 0; i < params.length; i += 2) {
            if (!known.contains(params[i])) {
                throw new IllegalStateException("the report asks for parameter " + params[i] + " of " + benchmark
                        + ", which has only " + known);
            }
        }
    }

    /**
     * Checks that this jar has every declared benchmark and, in the declared classes, no other.
     *
     * @throws IllegalStateException naming every benchmark that differs
     */
    static void requireInJar() {
        List<String> problems = new ArrayList<>();
        for (String benchmark : new TreeSet<>(DECLARED)) {
            if (!IN_JAR.containsKey(benchmark)) {
                problems.add(benchmark + " is declared but benchmarks.jar does not have it (renamed or removed?)");
            }
        }
        for (String benchmark : new TreeSet<>(IN_JAR.keySet())) {
            if (isOfDeclaredClass(benchmark) && !DECLARED.contains(benchmark)) {
                problems.add(benchmark + " is in benchmarks.jar but not declared in KnownBenchmarks");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException("the report's benchmarks and benchmarks.jar differ: "
                    + String.join("; ", problems));
        }
    }

    /**
     * Checks one run's results against the declared benchmarks: in every declared class with a
     * result, every declared benchmark has one, unless JMH's log of the run says it failed; and
     * no result is of an undeclared benchmark of a declared class.
     *
     * @param measured the benchmarks (class.method) with results
     * @param failed the benchmarks whose run failed, as JMH logged it
     * @param where what was read, for the message
     * @throws IllegalStateException naming every benchmark that is missing or unknown
     */
    static void requireComplete(Collection<String> measured, Set<String> failed, String where) {
        List<String> problems = new ArrayList<>();
        Set<String> classes = new TreeSet<>();
        for (String benchmark : new TreeSet<>(measured)) {
            if (isOfDeclaredClass(benchmark)) {
                classes.add(className(benchmark));
                if (!DECLARED.contains(benchmark)) {
                    problems.add("result for " + benchmark + ", which KnownBenchmarks does not declare (renamed?)");
                }
            }
        }
        for (String benchmark : new TreeSet<>(DECLARED)) {
            if (classes.contains(className(benchmark)) && !measured.contains(benchmark) && !failed.contains(benchmark)) {
                problems.add("no result for " + benchmark + ", although " + className(benchmark)
                        + " ran and its log records no failure of it");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(where + ": " + String.join("; ", problems));
        }
    }

    private static boolean isOfDeclaredClass(String benchmark) {
        String className = className(benchmark);
        return DECLARED.stream().anyMatch(declared -> className(declared).equals(className));
    }

    private static String className(String benchmark) {
        int dot = benchmark.lastIndexOf('.');
        return dot < 0 ? benchmark : benchmark.substring(0, dot);
    }

    /** The method of a declared benchmark: {@code core} of {@code LoopbackBenchmark.core}. */
    static String method(String benchmark) {
        return benchmark.substring(benchmark.lastIndexOf('.') + 1);
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
}
