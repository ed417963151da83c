package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytesMedian;

/** What the profilers measured for one result, as a missed target's evidence or a table's cells. */
final class Profile {

    private static final double GIB = References.GIB;

    private Profile() {
    }

    /** A profiler summary of one result, in medians: cores busy, CPU per GiB, allocation, GCs, and what they suggest. */
    static String summary(String name, Result r, double bytesPerOp) {
        StringBuilder s = new StringBuilder(name).append(": ");
        s.append(r.throughput(bytesPerOp).formatMedian()).append(" GiB/s");
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

    /** CPU seconds per GiB of the whole process, with the peer threads' share in brackets where measured. */
    static String cpuPerGib(Optional<Result> r, double bytesPerOp) {
        return r.flatMap(x -> x.metric("cpu.process")).map(process -> {
            String all = process.times(1e-9 * GIB / bytesPerOp).format(3);
            Optional<Figure> peers = r.get().metric("cpu.peers").filter(f -> f.median() > 0);
            return all + peers.map(f -> " (" + f.times(1e-9 * GIB / bytesPerOp).format(3) + ")").orElse("");
        }).orElse("-");
    }

    /** A secondary metric with a fixed number of decimals, "-" if not measured. */
    static String metric(Optional<Result> r, String name, int decimals) {
        return r.flatMap(x -> x.metric(name)).map(f -> f.format(decimals)).orElse("-");
    }
}
