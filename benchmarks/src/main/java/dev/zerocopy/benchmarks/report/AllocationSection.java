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
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_HAND_NIO;

/**
 * Allocation of the steady-state view loops ({@code AllocationBenchmark} under {@code -prof gc},
 * 1 MiB views): bytes per call of each library loop above its floor, the same harness around
 * code that allocates nothing. An adapter operation is a new coroutine, which registers with its
 * Job once when its first call waits; so an adapter loop's bytes per call are the difference
 * between its 512-call and 64-call operations, divided by 448 (what one more call costs), and
 * its one-off cost per coroutine is reported beside them.
 */
final class AllocationSection implements Section {

    /** The view size of the table. */
    private static final String SIZE = "1048576";

    /**
     * One loop of the table.
     *
     * @param benchmark its benchmark ({@code AllocationBenchmark.*})
     * @param name its name in the table
     * @param floor the benchmark of its floor; null for a floor
     * @param loopback the 400 MB path of the same side, whose allocation its evidence quotes; null for a floor
     * @param perCoroutine whether it runs in a coroutine per operation (an adapter loop), measured at two lengths
     */
    record Loop(String benchmark, String name, String floor, String loopback, boolean perCoroutine) {
        boolean isFloor() {
            return floor == null;
        }
    }

    /** The loops, in the order of the table. */
    static final List<Loop> LOOPS = List.of(
            new Loop(ALLOCATION_CORE_SEND_FROM, "core `sendFrom`", ALLOCATION_HAND_NIO_SEND, LOOPBACK_CORE, false),
            new Loop(ALLOCATION_CORE_RECV_INTO, "core `recvInto`", ALLOCATION_HAND_NIO_SEND, LOOPBACK_CORE, false),
            new Loop(ALLOCATION_HAND_NIO_SEND, "floor: hand NIO write loop", null, null, false),
            new Loop(ALLOCATION_ADAPTER_SEND_FROM, "adapter `sendFrom`", ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND,
                    LOOPBACK_ADAPTER, true),
            new Loop(ALLOCATION_ADAPTER_RECV_INTO, "adapter `recvInto`", ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND,
                    LOOPBACK_ADAPTER, true),
            new Loop(ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND, "floor: the hand NIO write loop in runBlocking + withTimeout",
                    null, null, false));

    private final JmhResults jmh;

    AllocationSection(JmhResults jmh) {
        this.jmh = jmh;
    }

    /** Bytes per operation of {@code benchmark} at 1 MiB, with {@code calls} per operation for an adapter loop. */
    private Optional<Figure> perOperation(String benchmark, boolean perCoroutine, int calls) {
        Optional<JmhResults.Result> result = perCoroutine
                ? jmh.find(benchmark, "size", SIZE, "calls", Integer.toString(calls))
                : jmh.find(benchmark, "size", SIZE);
        return result.flatMap(r -> r.metric("gc.alloc.rate.norm"));
    }

    private Optional<Figure> perOperation(Loop loop) {
        return perOperation(loop.benchmark, loop.perCoroutine, AllocationBenchmark.BATCH);
    }

    private Optional<Figure> perCall(Loop loop) {
        return perOperation(loop).map(f -> f.times(1.0 / AllocationBenchmark.BATCH));
    }

    private Optional<Figure> floorPerOperation(Loop loop) {
        return perOperation(loop.floor, false, AllocationBenchmark.BATCH);
    }

    /**
     * Bytes per call of a library loop above its floor, for its target: for an adapter loop,
     * what one more call in a running coroutine allocates.
     */
    Optional<Figure> aboveFloor(Loop loop) {
        if (loop.perCoroutine) {
            Optional<Figure> shorter = perOperation(loop);
            Optional<Figure> longer = perOperation(loop.benchmark, true, AllocationBenchmark.LONG_BATCH);
            if (shorter.isEmpty() || longer.isEmpty()) {
                return Optional.empty();
            }
            return Optional.of(difference(longer.get(), shorter.get(),
                    AllocationBenchmark.LONG_BATCH - AllocationBenchmark.BATCH));
        }
        Optional<Figure> operation = perOperation(loop);
        Optional<Figure> floor = floorPerOperation(loop);
        if (operation.isEmpty() || floor.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(difference(operation.get(), floor.get(), AllocationBenchmark.BATCH));
    }

    /** An adapter loop's bytes per operation above its floor beyond its calls' own: its cost per coroutine. */
    Optional<Figure> perCoroutine(Loop loop) {
        Optional<Figure> operation = perOperation(loop);
        Optional<Figure> floor = floorPerOperation(loop);
        Optional<Figure> call = aboveFloor(loop);
        if (operation.isEmpty() || floor.isEmpty() || call.isEmpty()) {
            return Optional.empty();
        }
        Figure once = difference(operation.get(), floor.get(), 1);
        double calls = call.get().median() * AllocationBenchmark.BATCH;
        return Optional.of(new Figure(Math.max(0, once.median() - calls), once.error(), once.n()));
    }

    /** ({@code a} - {@code b}) / {@code calls}, at least 0, with the errors combined. */
    private static Figure difference(Figure a, Figure b, int calls) {
        double error = Double.isNaN(a.error()) || Double.isNaN(b.error()) ? Double.NaN
                : Math.hypot(a.error(), b.error()) / calls;
        return new Figure(Math.max(0, (a.median() - b.median()) / calls), error, Math.min(a.n(), b.n()));
    }

    /** A library loop's bytes per call and its side's whole 400 MB transfer, for a missed target. */
    String allocationProfile(Loop loop) {
        String side = KnownBenchmarks.method(loop.loopback);
        StringBuilder s = new StringBuilder(perCall(loop).map(f -> f.formatMedian() + " B per 1 MiB call")
                .orElse("-"));
        if (loop.perCoroutine) {
            perCoroutine(loop).ifPresent(f -> s.append(" (harness included); ").append(f.formatMedian())
                    .append(" B per coroutine above the floor"));
        }
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
                        + " nothing (a hand NIO write loop; the same loop inside `runBlocking` + `withTimeout`, as long"
                        + " as an adapter operation), so \"above the floor\" is the library's own allocation."
                        + " An adapter operation is a new coroutine, whose first call that waits registers with its"
                        + " `Job` once; its bytes per call above the floor are therefore measured as the difference"
                        + " between operations of ").append(AllocationBenchmark.LONG_BATCH).append(" and ")
                .append(AllocationBenchmark.BATCH).append(" calls, divided by ")
                .append(AllocationBenchmark.LONG_BATCH - AllocationBenchmark.BATCH)
                .append(", and what is left is its cost per coroutine. A call counts as allocation-free"
                        + " below 8 B above the floor: any object is at least 16 B.\n\n");
        s.append("| loop | B per operation | B per call | B per call above the floor | B per coroutine above the floor |\n")
                .append("|---|---|---|---|---|\n");
        for (Loop loop : LOOPS) {
            s.append("| ").append(loop.name).append(" | ").append(bytes(perOperation(loop))).append(" | ")
                    .append(bytes(perCall(loop))).append(" | ")
                    .append(loop.isFloor() ? "" : bytes(aboveFloor(loop))).append(" | ")
                    .append(loop.perCoroutine ? bytes(perCoroutine(loop)) : "").append(" |\n");
        }
        return s.append("\n").toString();
    }
}
