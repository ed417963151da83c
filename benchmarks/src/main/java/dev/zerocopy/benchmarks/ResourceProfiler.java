package dev.zerocopy.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.profile.InternalProfiler;
import org.openjdk.jmh.results.AggregationPolicy;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.ScalarResult;

/**
 * A JMH profiler ({@code -prof dev.zerocopy.benchmarks.ResourceProfiler}) that reports, per
 * operation, the CPU time of the whole process and of the benchmark's {@link Peer} threads,
 * and the cores kept busy on average; plus any {@link Gauges}.
 *
 * <p>Process CPU counts every Java thread: both ends of a loopback connection, Ktor's
 * selector, the dispatchers (the JVM's own GC and JIT threads are not Java threads and are
 * left out; -prof gc reports the GC). Subtracting the peers' share leaves the measured side.
 * It is summed from each thread's CPU clock, which counts in nanoseconds, because the JDK's
 * process CPU time counts in 10 ms clock ticks on Linux, too coarse for a 100 ms transfer.
 * A thread that ends during an iteration loses what it spent in it, except a peer, which
 * {@link Peer} accounts for when it is closed. The clock runs from just before an iteration
 * to just after it, so per-iteration setup is included; the benchmarks here set up per trial
 * only.
 */
public final class ResourceProfiler implements InternalProfiler {

    private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

    private Map<Long, Long> processStart = Map.of();
    private long peersStart;
    private long wallStart;

    @Override
    public String getDescription() {
        return "CPU time per operation (process, and the peer threads' share), cores busy, and benchmark gauges";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        peersStart = Peer.cpuNanos();
        processStart = threadCpuNanos();
        wallStart = System.nanoTime();
    }

    @Override
    @SuppressWarnings("rawtypes") // JMH's interface declares the raw Result
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long wall = System.nanoTime() - wallStart;
        long peers = Peer.cpuNanos() - peersStart;
        long process = peers;
        for (Map.Entry<Long, Long> thread : threadCpuNanos().entrySet()) {
            process += thread.getValue() - processStart.getOrDefault(thread.getKey(), 0L);
        }
        double ops = Math.max(1, result.getMetadata().getAllOps());
        List<Result> results = new ArrayList<>();
        results.add(new ScalarResult("cpu.process", process / ops, "ns/op", AggregationPolicy.AVG));
        results.add(new ScalarResult("cpu.peers", peers / ops, "ns/op", AggregationPolicy.AVG));
        results.add(new ScalarResult("cpu.cores", (double) process / wall, "cores", AggregationPolicy.AVG));
        for (Map.Entry<String, Double> gauge : Gauges.snapshot().entrySet()) {
            String[] nameAndUnit = gauge.getKey().split(":", 2);
            results.add(new ScalarResult(nameAndUnit[0], gauge.getValue(),
                    nameAndUnit.length > 1 ? nameAndUnit[1] : "", AggregationPolicy.AVG));
        }
        return results;
    }

    /** CPU time of every live thread but the peers (counted by {@link Peer#cpuNanos()}), by thread id. */
    private Map<Long, Long> threadCpuNanos() {
        long[] ids = threads.getAllThreadIds();
        Map<Long, Long> cpu = new HashMap<>(ids.length * 2);
        for (long id : ids) {
            if (Peer.isPeerThread(id)) {
                continue;
            }
            long nanos = threads.getThreadCpuTime(id);
            if (nanos >= 0) {
                cpu.put(id, nanos);
            }
        }
        return cpu;
    }
}
