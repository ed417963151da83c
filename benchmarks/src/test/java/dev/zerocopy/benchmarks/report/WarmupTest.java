package dev.zerocopy.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class WarmupTest {

    private static final String[] BYTES = {"bytes", "400000000"};

    @Test
    void eachForkFindsItsOwnWarmUpAndThePathTakesTheMedianOverTheForks(@TempDir Path dir) throws IOException {
        double[] steady = {1, 1, 1, 1, 1, 1};
        // Seconds per transfer: the adapter's forks reach 90 % at transfers 2, 1 and 3; the core's at 1.
        new RunDirectory(dir)
                .forks(KnownBenchmarks.LOOPBACK_ADAPTER, BYTES,
                        new double[] {2, 2, 1, 1, 1, 1}, steady, new double[] {2, 2, 2, 1, 1, 1})
                .forks(KnownBenchmarks.LOOPBACK_CORE, BYTES, steady, steady, steady)
                .forks(KnownBenchmarks.LOOPBACK_HAND_NIO, BYTES, steady, steady, steady)
                .forks(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, BYTES, steady, steady, steady)
                .writeJson("warmup");

        Warmup warmup = new Warmup(JmhResults.readWarmup(dir));

        assertEquals(2, warmup.transfersToSteady(KnownBenchmarks.LOOPBACK_ADAPTER).orElseThrow().median());
        assertEquals(3, warmup.transfersToSteady(KnownBenchmarks.LOOPBACK_ADAPTER).orElseThrow().n());
        assertEquals(1, warmup.transfersToSteady(KnownBenchmarks.LOOPBACK_CORE).orElseThrow().median());
        // The second halves of every fork, pooled: all at 1 s per 400 MB.
        assertEquals(400e6 / (1 << 30), warmup.steadyState(KnownBenchmarks.LOOPBACK_ADAPTER).orElseThrow().median(), 1e-9);
        String section = warmup.section();
        assertTrue(section.contains("| Ktor adapter | 3 x 6 | 0.19 ± "), section);
        assertTrue(section.contains("| 2 (2, 1, 3) |"), section);
        assertTrue(section.contains("- Ktor adapter: 0.19 0.19 0.37 0.37 0.37 0.37 / 0.37 0.37"), section);
    }

    @Test
    void forksThatMeasuredDifferentNumbersOfTransfersFailNamingTheBenchmark(@TempDir Path dir) throws IOException {
        new RunDirectory(dir)
                .forks(KnownBenchmarks.LOOPBACK_ADAPTER, BYTES, new double[] {1, 1, 1, 1}, new double[] {1, 1, 1})
                .result(KnownBenchmarks.LOOPBACK_CORE, BYTES, 1, 1, 1, 1)
                .result(KnownBenchmarks.LOOPBACK_HAND_NIO, BYTES, 1, 1, 1, 1)
                .result(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, BYTES, 1, 1, 1, 1)
                .writeJson("warmup");

        IllegalStateException failure =
                assertThrows(IllegalStateException.class, () -> new Warmup(JmhResults.readWarmup(dir)));
        assertEquals("LoopbackBenchmark.adapter has 7 samples from 2 forks, not the same number from each",
                failure.getMessage());
    }
}
