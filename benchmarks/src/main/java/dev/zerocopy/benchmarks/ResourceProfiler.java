package dev.zerocopy.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Collection;
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
 * <p>Process CPU counts every thread: both ends of a loopback connection, Ktor's selector,
 * the JIT and the GC. Subtracting the peers' share leaves the measured side. The clock runs
 * from just before an iteration to just after it, so per-iteration setup is included; the
 * benchmarks here set up per trial only.
 */
public final class ResourceProfiler implements InternalProfiler {

    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private long processStart;
    private long peersStart;
    private long wallStart;

    @Override
    public String getDescription() {
        return "CPU time per operation (process, and the peer threads' share), cores busy, and benchmark gauges";
    }

    @Override
    public void beforeIteration(BenchmarkParams benchmarkParams, IterationParams iterationParams) {
        peersStart = Peer.cpuNanos();
        processStart = os.getProcessCpuTime();
        wallStart = System.nanoTime();
    }

    @Override
    public Collection<? extends Result> afterIteration(BenchmarkParams benchmarkParams,
            IterationParams iterationParams, IterationResult result) {
        long wall = System.nanoTime() - wallStart;
        long process = os.getProcessCpuTime() - processStart;
        long peers = Peer.cpuNanos() - peersStart;
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
}
