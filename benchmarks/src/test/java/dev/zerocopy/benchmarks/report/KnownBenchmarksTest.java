package dev.zerocopy.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class KnownBenchmarksTest {

    private static final String[] BYTES = {"bytes", "400000000"};

    /** The 400 MB group's results but the hand NIO loop's. */
    private static RunDirectory withoutHandNio(Path dir) throws IOException {
        return new RunDirectory(dir)
                .result(KnownBenchmarks.LOOPBACK_ADAPTER, BYTES, 0.2)
                .result(KnownBenchmarks.LOOPBACK_CORE, BYTES, 0.2)
                .result(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, BYTES, 0.2)
                .writeJson("loopback");
    }

    @Test
    void everyDeclaredBenchmarkIsInTheJarAndTheJarHasNoOtherInTheirClasses() {
        KnownBenchmarks.requireInJar();
    }

    @Test
    void resultsOfARenamedBenchmarkFailNamingBothNames(@TempDir Path dir) throws IOException {
        new RunDirectory(dir)
                .result(KnownBenchmarks.LOOPBACK_ADAPTER, BYTES, 0.2)
                .result("LoopbackBenchmark.coreLoop", BYTES, 0.2)
                .result(KnownBenchmarks.LOOPBACK_HAND_NIO, BYTES, 0.2)
                .result(KnownBenchmarks.LOOPBACK_KTOR_CHANNELS, BYTES, 0.2)
                .writeJson("loopback");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JmhResults.read(dir));

        assertTrue(e.getMessage().contains("result for LoopbackBenchmark.coreLoop, which KnownBenchmarks does not declare"),
                e.getMessage());
        assertTrue(e.getMessage().contains("no result for LoopbackBenchmark.core,"), e.getMessage());
    }

    @Test
    void aMissingBenchmarkFailsNamingIt(@TempDir Path dir) throws IOException {
        withoutHandNio(dir).writeLog("loopback", "# Benchmark: dev.zerocopy.benchmarks.LoopbackBenchmark.handNio",
                        "Iteration   1: 0.2 s/op");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> JmhResults.read(dir));

        assertEquals("JMH results jmh-*.json in " + dir + ": no result for LoopbackBenchmark.handNio, although"
                + " LoopbackBenchmark ran and its log records no failure of it", e.getMessage());
    }

    @Test
    void aBenchmarkThatTheLogShowsFailingIsNotMeasured(@TempDir Path dir) throws IOException {
        withoutHandNio(dir).writeLog("loopback", "# Benchmark: dev.zerocopy.benchmarks.LoopbackBenchmark.handNio",
                        "# Warmup Iteration   1: <failure>", "java.io.IOException: Connection reset");

        JmhResults results = JmhResults.read(dir);

        assertEquals(Optional.empty(), results.find(KnownBenchmarks.LOOPBACK_HAND_NIO));
        assertTrue(results.find(KnownBenchmarks.LOOPBACK_CORE).isPresent());
    }

    @Test
    void aClassThatDidNotRunIsNotRequired(@TempDir Path dir) throws IOException {
        new RunDirectory(dir).loopback(0.2, 0.2, 0.2, 0.2);

        JmhResults results = JmhResults.read(dir);

        assertEquals(Optional.empty(), results.find(KnownBenchmarks.SLICE_VIEW, "size", "1048576"));
        assertEquals(List.of("jmh-loopback.json"), results.files());
    }

    @Test
    void askingForABenchmarkThatIsNotDeclaredFails(@TempDir Path dir) throws IOException {
        JmhResults results = JmhResults.read(new RunDirectory(dir).loopback(0.2, 0.2, 0.2, 0.2).path());

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> results.find("LoopbackBenchmark.coreLoop"));

        assertTrue(e.getMessage().startsWith("the report asks for benchmark LoopbackBenchmark.coreLoop, which"
                + " KnownBenchmarks does not declare"), e.getMessage());
    }

    @Test
    void completenessIsCheckedPerClassAgainstTheLogsFailures() {
        KnownBenchmarks.requireComplete(List.of(KnownBenchmarks.SPLICE_RECV_INTO_SLICE, "PoolBenchmark.pooled"),
                Set.of(KnownBenchmarks.SPLICE_RECV_THEN_REBUILD), "run");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> KnownBenchmarks.requireComplete(
                List.of(KnownBenchmarks.SPLICE_RECV_INTO_SLICE), Set.of(), "run"));
        assertEquals("run: no result for SpliceBenchmark.recvThenRebuild, although SpliceBenchmark ran and its log"
                + " records no failure of it", e.getMessage());
    }
}
