package dev.zerocopy.benchmarks;

import dev.zerocopy.internal.Counters;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.CompilationMXBean;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/*
 * Measures where a 400 MB path's warm-up goes, transfer by transfer, in a fresh JVM: each
 * transfer of LoopbackBenchmark's `core` or `adapter` (same state classes, same buffers, same
 * receiver threads) with its GiB/s, the JIT's compile time during it (CompilationMXBean, the
 * compiler threads' wall time), GC time, the transfers' waits for readiness (the core's
 * counter) and the CPU time of each group of threads (the caller, the adapter's loop threads,
 * coroutine dispatchers, the peer receiver). A line "# transfer N" is printed before each
 * transfer, so that the output of -XX:+PrintCompilation (or -Xlog:jit+compilation) in between
 * belongs to that transfer.
 * With --forks N it runs the paths alternately in N fresh JVMs each (the same JVM options as
 * LoopbackBenchmark's forks, plus this JVM's), and prints, per path, the medians over the forks
 * of the first transfers' share of the steady state (the median of the second half of the
 * transfers) and the transfer from which the median of three consecutive transfers reaches 90 %
 * of it (the warm-up report's rule): one fresh JVM is too noisy a sample on a shared machine.
 * Set up outside the measured transfers: the buffers, the connection and the receiver thread.
 * With --small-first K, K transfers of 1 MiB run on the same connection before the measured
 * ones, as a service that has carried small messages before its first large transfer; a line
 * gives their time and the JIT's compile time during them.
 * Usage: java -cp benchmarks.jar dev.zerocopy.benchmarks.WarmupHarness
 *            [--paths core,adapter] [--transfers 10] [--bytes 400000000] [--pause-millis 0] [--forks 0]
 *            [--small-first 0]
 */
public final class WarmupHarness {

    private static final List<String> FORK_JVM_OPTIONS = List.of("-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g");
    private static final String RATES = "# GiB/s";
    private static final int SMALL_BYTES = 1 << 20;

    private WarmupHarness() {
    }

    /**
     * Runs the harness and prints one row per transfer, or with {@code --forks} one per path.
     *
     * @param args see the class comment
     * @throws Exception if a transfer or a fork fails
     */
    public static void main(String[] args) throws Exception {
        List<String> paths = List.of("core", "adapter");
        int transfers = 10;
        int bytes = 400_000_000;
        long pauseMillis = 0;
        int forks = 0;
        int smallFirst = 0;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--paths" -> paths = List.of(args[i + 1].split(","));
                case "--transfers" -> transfers = Integer.parseInt(args[i + 1]);
                case "--bytes" -> bytes = Integer.parseInt(args[i + 1]);
                case "--pause-millis" -> pauseMillis = Long.parseLong(args[i + 1]);
                case "--forks" -> forks = Integer.parseInt(args[i + 1]);
                case "--small-first" -> smallFirst = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        for (String path : paths) {
            if (!path.equals("core") && !path.equals("adapter")) {
                throw new IllegalArgumentException("unknown path " + path + "; core or adapter");
            }
        }
        if (smallFirst > 0 && bytes < SMALL_BYTES) {
            throw new IllegalArgumentException("--small-first sends the first " + SMALL_BYTES + " bytes; --bytes is " + bytes);
        }
        if (forks > 0) {
            compareForks(paths, transfers, bytes, pauseMillis, forks, smallFirst);
        } else {
            for (String path : paths) {
                run(path, transfers, bytes, pauseMillis, smallFirst);
            }
        }
    }

    /**
     * Runs [smallFirst] transfers of 1 MiB and then [transfers] transfers of [path] in this JVM,
     * a row for each of the latter, then the GiB/s of all on one line.
     */
    private static void run(String path, int transfers, int bytes, long pauseMillis, int smallFirst) throws Exception {
        LoopbackBenchmark benchmark = new LoopbackBenchmark();
        LoopbackBenchmark.Data data = new LoopbackBenchmark.Data();
        data.bytes = bytes;
        data.setUp();
        LoopbackBenchmark.Nio nio = null;
        LoopbackBenchmark.Adapter adapter = null;
        if (path.equals("core")) {
            nio = new LoopbackBenchmark.Nio();
            nio.setUp();
        } else {
            adapter = new LoopbackBenchmark.Adapter();
            adapter.setUp();
        }
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        double[] rates = new double[transfers];
        try {
            if (smallFirst > 0) {
                LoopbackBenchmark.Data small = new LoopbackBenchmark.Data();
                small.bytes = SMALL_BYTES;
                small.send = data.send.slice(0, SMALL_BYTES);
                small.recv = data.recv.slice(0, SMALL_BYTES);
                long jitStart = jit.getTotalCompilationTime();
                long start = System.nanoTime();
                for (int t = 0; t < smallFirst; t++) {
                    transfer(benchmark, small, nio, adapter);
                }
                small.verify();
                System.out.printf(Locale.ROOT, "# %d transfers of %d bytes first: %.1f ms, JIT %d ms%n", smallFirst,
                        SMALL_BYTES, (System.nanoTime() - start) / 1e6, jit.getTotalCompilationTime() - jitStart);
            }
            System.out.printf(Locale.ROOT, "## %s: %d transfers of %d bytes (JDK %s)%n", path, transfers, bytes,
                    Runtime.version());
            System.out.println("| transfer | ms | GiB/s | JIT ms | GC ms | waits | CPU ms by thread |");
            for (int t = 0; t < transfers; t++) {
                System.out.println("# transfer " + (t + 1));
                long jitStart = jit.getTotalCompilationTime();
                long gcStart = gcMillis();
                long waitsStart = Counters.waits();
                Map<String, Long> cpuStart = cpuByGroup();
                long start = System.nanoTime();
                transfer(benchmark, data, nio, adapter);
                long nanos = System.nanoTime() - start;
                rates[t] = Harness.gib(bytes) / (nanos / 1e9);
                StringBuilder cpu = new StringBuilder();
                cpuByGroup().forEach((group, used) -> {
                    long ms = (used - cpuStart.getOrDefault(group, 0L)) / 1_000_000;
                    if (ms > 0) {
                        cpu.append(cpu.length() == 0 ? "" : ", ").append(group).append(' ').append(ms);
                    }
                });
                System.out.printf(Locale.ROOT, "| %d | %.1f | %.2f | %d | %d | %d | %s |%n", t + 1, nanos / 1e6, rates[t],
                        jit.getTotalCompilationTime() - jitStart, gcMillis() - gcStart, Counters.waits() - waitsStart, cpu);
                if (pauseMillis > 0) {
                    Thread.sleep(pauseMillis);
                }
            }
            data.verify();
        } finally {
            if (nio != null) {
                nio.tearDown();
            } else {
                adapter.tearDown();
            }
        }
        StringBuilder line = new StringBuilder(RATES);
        for (double rate : rates) {
            line.append(String.format(Locale.ROOT, " %.3f", rate));
        }
        System.out.println(line);
        Warmup summary = Warmup.of(rates);
        System.out.printf(Locale.ROOT, "steady state %.2f GiB/s; first transfer %.2fx of it; 90 %% at transfer %d%n",
                summary.steady, summary.first, summary.ninetyAt);
    }

    /** One transfer of [data] by the core ([nio] set) or by the adapter. */
    private static void transfer(LoopbackBenchmark benchmark, LoopbackBenchmark.Data data, LoopbackBenchmark.Nio nio,
            LoopbackBenchmark.Adapter adapter) throws Exception {
        if (nio != null) {
            benchmark.core(data, nio);
        } else {
            benchmark.adapter(data, adapter);
        }
    }

    /** Runs each path in [forks] fresh JVMs, alternately, and prints the medians per path. */
    private static void compareForks(List<String> paths, int transfers, int bytes, long pauseMillis, int forks,
            int smallFirst) throws IOException, InterruptedException {
        Map<String, List<Warmup>> results = new TreeMap<>();
        for (int fork = 0; fork < forks; fork++) {
            for (String path : paths) {
                double[] rates = fork(path, transfers, bytes, pauseMillis, smallFirst);
                Warmup warmup = Warmup.of(rates);
                results.computeIfAbsent(path, p -> new ArrayList<>()).add(warmup);
                System.out.printf(Locale.ROOT, "fork %d %s: steady %.2f GiB/s, first %.2fx, second %.2fx, 90 %% at %d:%s%n",
                        fork + 1, path, warmup.steady, warmup.first, warmup.second, warmup.ninetyAt,
                        Arrays.toString(rates).replace(",", "").replace("[", " ").replace("]", ""));
            }
        }
        System.out.printf(Locale.ROOT, "%n| path | forks | steady GiB/s | 1st / steady | 2nd / steady | 90 %% at transfer"
                + " (median; each fork) |%n|---|---|---|---|---|---|%n");
        results.forEach((path, runs) -> System.out.printf(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.1f; %s |%n",
                path, runs.size(), median(runs.stream().mapToDouble(w -> w.steady).toArray()),
                median(runs.stream().mapToDouble(w -> w.first).toArray()),
                median(runs.stream().mapToDouble(w -> w.second).toArray()),
                median(runs.stream().mapToDouble(w -> w.ninetyAt).toArray()),
                runs.stream().map(w -> Integer.toString(w.ninetyAt)).toList()));
    }

    /** Runs [path] in a fresh JVM and returns the GiB/s of its transfers. */
    private static double[] fork(String path, int transfers, int bytes, long pauseMillis, int smallFirst)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(FORK_JVM_OPTIONS);
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), WarmupHarness.class.getName(),
                "--paths", path, "--transfers", Integer.toString(transfers), "--bytes", Integer.toString(bytes),
                "--pause-millis", Long.toString(pauseMillis), "--small-first", Integer.toString(smallFirst)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        double[] rates = null;
        List<String> output = new ArrayList<>();
        try (BufferedReader lines = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                output.add(line);
                if (line.startsWith(RATES)) {
                    rates = Arrays.stream(line.substring(RATES.length()).trim().split(" "))
                            .mapToDouble(Double::parseDouble).toArray();
                }
            }
        }
        int exit = process.waitFor();
        if (exit != 0 || rates == null || rates.length != transfers) {
            throw new IOException("the fork for " + path + " exited with " + exit + " and " + (rates == null ? 0 : rates.length)
                    + " of " + transfers + " transfers; its output:\n" + String.join("\n", output));
        }
        return rates;
    }

    /** The median, the mean of the middle two for an even count (as the report's). */
    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    private static long gcMillis() {
        long total = 0;
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            total += Math.max(0, collector.getCollectionTime());
        }
        return total;
    }

    /** CPU nanoseconds so far of the live threads, by group: each thread's name without its number. */
    private static Map<String, Long> cpuByGroup() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<String, Long> groups = new TreeMap<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            long nanos = threads.getThreadCpuTime(thread.getId());
            if (nanos > 0) {
                groups.merge(thread.getName().replaceAll("-?\\d+$", ""), nanos, Long::sum);
            }
        }
        return groups;
    }

    /** A path's warm-up in one JVM, by the warm-up report's rules. */
    private record Warmup(double steady, double first, double second, int ninetyAt) {

        static Warmup of(double[] rates) {
            double steady = median(Arrays.copyOfRange(rates, rates.length / 2, rates.length));
            int ninetyAt = rates.length;
            for (int t = 0; t + 3 <= rates.length; t++) {
                if (median(Arrays.copyOfRange(rates, t, t + 3)) >= 0.9 * steady) {
                    ninetyAt = t + 1;
                    break;
                }
            }
            return new Warmup(steady, rates[0] / steady, rates.length > 1 ? rates[1] / steady : Double.NaN, ninetyAt);
        }
    }
}
