package dev.zerocopy.benchmarks;

import dev.zerocopy.internal.Counters;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: what the process counters cost one file transfer of `steps` steps (1, 16, 256), in
 * ns per transfer, counted two ways side by side:
 *   everyStep  the bytes added to the striped adders after each step (as file transfers did):
 *              started, `steps` adds, ended;
 *   atEnd      the bytes kept in plain fields and added every 16 steps and at the end (as
 *              FileTransfer.publish does now): started, `steps / 16` adds (at least one), ended.
 * Each step moves 64 KiB by zero-copy. Nothing is set up outside the measured region; one thread,
 * so the adders stay uncontended (their cheapest case).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CountersBenchmark {

    private static final int PUBLISH_STEPS = 16;
    private static final long STEP_BYTES = 65_536;

    @Param({"1", "16", "256"})
    public int steps;

    @Benchmark
    public void everyStep() {
        Counters.started(null);
        for (int i = 0; i < steps; i++) {
            Counters.moved(STEP_BYTES, 0);
        }
        Counters.ended(true);
    }

    @Benchmark
    public long atEnd() {
        Counters.started(null);
        long zeroCopied = 0;
        long published = 0;
        int unpublished = 0;
        for (int i = 0; i < steps; i++) {
            zeroCopied += STEP_BYTES;
            if (++unpublished == PUBLISH_STEPS) {
                unpublished = 0;
                Counters.moved(zeroCopied - published, 0);
                published = zeroCopied;
            }
        }
        Counters.moved(zeroCopied - published, 0);
        Counters.ended(true);
        return zeroCopied;
    }
}
