package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.AllocationBenchmark;
import java.util.List;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytes;
import static dev.zerocopy.benchmarks.report.Format.bytesMedian;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_ADAPTER_RECV_INTO;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_ADAPTER_SEND_FROM;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_CORE_RECV_INTO;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_CORE_SEND_FROM;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_HAND_NIO_SEND;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_RUN_BLOCKING_HARNESS;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_HAND_NIO;

/**
 * Allocation of the steady-state view loops ({@code AllocationBenchmark} under {@code -prof gc}):
 * bytes per call of each library loop above its floor, the same harness around code that
 * allocates nothing.
 */
final class AllocationSection implements Section {

    /**
     * One loop of the table.
     *
     * @param benchmark its benchmark ({@code AllocationBenchmark.*})
     * @param name its name in the table
     * @param floor the benchmark of its floor; null for a floor
     * @param loopback the 400 MB path of the same side, whose allocation its evidence quotes; null for a floor
     */
    record Loop(String benchmark, String name, String floor, String loopback) {
        boolean isFloor() {
            return floor == null;
        }
    }

    /** The loops, in the order of the table. */
    static final List<Loop> LOOPS = List.of(
            new Loop(ALLOCATION_CORE_SEND_FROM, "core `sendFrom`", ALLOCATION_HAND_NIO_SEND, LOOPBACK_CORE),
            new Loop(ALLOCATION_CORE_RECV_INTO, "core `recvInto`", ALLOCATION_HAND_NIO_SEND, LOOPBACK_CORE),
            new Loop(ALLOCATION_HAND_NIO_SEND, "floor: hand NIO write loop", null, null),
            new Loop(ALLOCATION_ADAPTER_SEND_FROM, "adapter `sendFrom`", ALLOCATION_RUN_BLOCKING_HARNESS, LOOPBACK_ADAPTER),
            new Loop(ALLOCATION_ADAPTER_RECV_INTO, "adapter `recvInto`", ALLOCATION_RUN_BLOCKING_HARNESS, LOOPBACK_ADAPTER),
            new Loop(ALLOCATION_RUN_BLOCKING_HARNESS, "floor: runBlocking + withTimeout", null, null));

    private final JmhResults jmh;

    AllocationSection(JmhResults jmh) {
        this.jmh = jmh;
    }

    private Optional<Figure> perOperation(String benchmark) {
        return jmh.find(benchmark).flatMap(r -> r.metric("gc.alloc.rate.norm"));
    }

    private Optional<Figure> perCall(String benchmark) {
        return perOperation(benchmark).map(f -> f.times(1.0 / AllocationBenchmark.BATCH));
    }

    /** Bytes per call of a library loop above its floor, for its target. */
    Optional<Figure> aboveFloor(Loop loop) {
        Optional<Figure> perCall = perCall(loop.benchmark);
        Optional<Figure> floor = perCall(loop.floor);
        if (perCall.isEmpty() || floor.isEmpty()) {
            return Optional.empty();
        }
        Figure call = perCall.get();
        Figure base = floor.get();
        double error = Double.isNaN(call.error()) || Double.isNaN(base.error()) ? Double.NaN
                : Math.hypot(call.error(), base.error());
        return Optional.of(new Figure(Math.max(0, call.median() - base.median()), error, Math.min(call.n(), base.n())));
    }

    /** A library loop's bytes per call and its side's whole 400 MB transfer, for a missed target. */
    String allocationProfile(Loop loop) {
        String side = KnownBenchmarks.method(loop.loopback);
        StringBuilder s = new StringBuilder(perCall(loop.benchmark).map(f -> f.formatMedian() + " B per 1 MiB call")
                .orElse("-"));
        jmh.find(loop.loopback).ifPresent(transfer -> transfer.metric("gc.alloc.rate.norm").ifPresent(f -> {
            s.append("; one whole ").append(transfer.params().get("bytes")).append("-byte transfer of the ")
                    .append(side).append(" path (one send and one receive call of many 1 MiB steps, in the loopback"
                            + " benchmark's harness) allocated ").append(bytesMedian(f.median()));
            jmh.find(LOOPBACK_HAND_NIO).flatMap(r -> r.metric("gc.alloc.rate.norm")).ifPresent(h -> s.append(
                    ", the hand-written NIO loop in the same harness ").append(bytesMedian(h.median())));
        }));
        return s.append(".").toString();
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Allocation in the steady-state loops\n\n");
        s.append("`AllocationBenchmark` under `-prof gc`: one operation is ").append(AllocationBenchmark.BATCH)
                .append(" calls, each moving a 1 MiB direct view over 127.0.0.1; the other end is a peer thread"
                        + " that allocates nothing. The floors are the same harness around code that allocates"
                        + " nothing (a hand NIO write loop; `runBlocking` + `withTimeout` around empty calls), so"
                        + " \"above the floor\" is the library's own allocation. A call counts as allocation-free"
                        + " below 8 B above the floor: any object is at least 16 B.\n\n");
        s.append("| loop | B per operation | B per call | B per call above the floor |\n|---|---|---|---|\n");
        for (Loop loop : LOOPS) {
            s.append("| ").append(loop.name).append(" | ").append(bytes(perOperation(loop.benchmark))).append(" | ")
                    .append(bytes(perCall(loop.benchmark))).append(" | ")
                    .append(loop.isFloor() ? "" : bytes(aboveFloor(loop))).append(" |\n");
        }
        return s.append("\n").toString();
    }
}
