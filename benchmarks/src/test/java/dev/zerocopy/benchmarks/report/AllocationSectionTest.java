package dev.zerocopy.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class AllocationSectionTest {

    private static final String[] MIB = {"size", "1048576"};

    @Test
    void anAdapterLoopsCostPerCallIsItsLongerOperationsExtraOverTheExtraCalls(@TempDir Path dir) throws IOException {
        // The adapter's receive: 900 B per 64-call operation, 1,348 B per 512-call one (1 B more per call);
        // its floor 550 B: 350 B above it, of which 64 B are its calls' and 286 B its coroutine's.
        JmhResults jmh = JmhResults.read(new RunDirectory(dir)
                .allocation(KnownBenchmarks.ALLOCATION_ADAPTER_RECV_INTO, new String[] {"size", "1048576", "calls", "64"},
                        880, 900, 920)
                .allocation(KnownBenchmarks.ALLOCATION_ADAPTER_RECV_INTO, new String[] {"size", "1048576", "calls", "512"},
                        1348, 1348, 1348)
                .allocation(KnownBenchmarks.ALLOCATION_ADAPTER_RECV_INTO, new String[] {"size", "64", "calls", "64"},
                        9999, 9999, 9999)
                .allocation(KnownBenchmarks.ALLOCATION_RUN_BLOCKING_HAND_NIO_SEND, MIB, 550, 550, 550)
                .allocation(KnownBenchmarks.ALLOCATION_CORE_RECV_INTO, MIB, 64 * 3 + 30, 64 * 3 + 30, 64 * 3 + 30)
                .allocation(KnownBenchmarks.ALLOCATION_HAND_NIO_SEND, MIB, 30, 30, 30)
                // The rest of the class, which the section does not read: a run has every one.
                .allocation(KnownBenchmarks.ALLOCATION_ADAPTER_SEND_FROM, new String[] {"size", "1048576", "calls", "64"}, 1)
                .allocation(KnownBenchmarks.ALLOCATION_CORE_SEND_FROM, MIB, 1)
                .allocation("AllocationBenchmark.coreSendFrame", MIB, 1)
                .allocation("AllocationBenchmark.coreRecvFrame", MIB, 1)
                .allocation("AllocationBenchmark.adapterSendFrame", new String[] {"size", "1048576", "calls", "64"}, 1)
                .allocation("AllocationBenchmark.adapterRecvFrame", new String[] {"size", "1048576", "calls", "64"}, 1)
                .writeJson("allocation").path());
        AllocationSection section = new AllocationSection(jmh);
        AllocationSection.Loop adapter = loop(KnownBenchmarks.ALLOCATION_ADAPTER_RECV_INTO);
        AllocationSection.Loop core = loop(KnownBenchmarks.ALLOCATION_CORE_RECV_INTO);

        assertEquals(1.0, section.aboveFloor(adapter).orElseThrow().median(), 1e-9);
        assertEquals(900 - 550 - 64, section.perCoroutine(adapter).orElseThrow().median(), 1e-9);
        assertEquals(3.0, section.aboveFloor(core).orElseThrow().median(), 1e-9);
        String table = section.section();
        assertEquals("| adapter `recvInto` | 900 ± 365 B | 14.1 ± 5.7 B | 1.0 ± 0.8 B | 286 ± 365 B |", row(table, "| adapter `recvInto`"));
    }

    private static AllocationSection.Loop loop(String benchmark) {
        return AllocationSection.LOOPS.stream().filter(l -> l.benchmark().equals(benchmark)).findFirst().orElseThrow();
    }

    private static String row(String table, String prefix) {
        return table.lines().filter(line -> line.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no line starting with " + prefix + " in " + table));
    }
}
