package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.benchmarks.ktor.KtorConnections;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: aggregate throughput of `connections` concurrent loopback connections on 127.0.0.1
 * (1, the single-connection reference, then 100, 1,000 and 5,000), all driven by the Ktor adapter
 * on one selector: in one round every connection sends 1 MiB chunks with Socket.sendFrom and its
 * other end receives them with Socket.recvInto, 2 x `connections` coroutines on
 * Dispatchers.Default. A round moves about 1 GiB or more (chunksPerConnection: 1024 / connections,
 * at least 1), so a single connection is measured over as many bytes as 1,000. Receivers land
 * in 256 pre-touched 1 MiB slots shared round-robin (connection i uses slot i % 256), since
 * 5,000 private 1 MiB buffers would be 5 GiB.
 * The `heap.perConnection` metric is the heap still in use, after a full GC, with all the
 * connections open and idle, minus the same before opening them, per connection (both of its
 * sockets, since both ends are in this JVM). With -prof gc, gc.alloc.rate.norm / connections is
 * the heap allocated per connection per round.
 * Set up outside the measured region: the connections (about 2 x 5,000 file descriptors of the
 * limit of 20,000), the selector, the chunk and the slots; all closed in TearDown. A round that
 * stalls fails after 120 s.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
@Timeout(time = 5, timeUnit = TimeUnit.MINUTES)
public class ConcurrencyBenchmark {

    /** Bytes per send call and per receive slot. */
    public static final int CHUNK = 1 << 20;

    /** Receive slots shared by the connections. */
    public static final int SLOTS = 256;

    static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(120);

    /** Concurrent connections. */
    @Param({"1", "100", "1000", "5000"})
    public int connections;

    private KtorConnections open;
    private ByteView chunk;
    private List<ByteView> slots;

    /**
     * Returns the chunks each connection moves per round.
     *
     * @param connections the number of connections
     * @return 1024 / connections, at least 1
     */
    public static int chunksPerConnection(int connections) {
        return Math.max(1, 1024 / connections);
    }

    /**
     * Returns the bytes one round moves in all.
     *
     * @param connections the number of connections
     * @return connections x chunks per connection x 1 MiB
     */
    public static long bytesPerRound(int connections) {
        return (long) connections * chunksPerConnection(connections) * CHUNK;
    }

    @Setup
    public void setUp() {
        ByteView send = ByteView.allocateDirect(CHUNK);
        var bytes = send.buffer();
        for (int i = 0; bytes.hasRemaining(); i++) {
            bytes.put((byte) (i * 31));
        }
        chunk = send.readOnly();
        int slotCount = Math.min(connections, SLOTS);
        ByteView area = ByteView.allocateDirect(slotCount * CHUNK);
        slots = new ArrayList<>(slotCount);
        for (int i = 0; i < slotCount; i++) {
            slots.add(area.slice(i * CHUNK, (i + 1) * CHUNK));
        }
        long before = heapInUseAfterGc();
        open = KtorConnections.open(connections, TIMEOUT_MILLIS);
        long after = heapInUseAfterGc();
        Gauges.set("heap.perConnection:B", (double) (after - before) / connections);
    }

    @TearDown
    public void tearDown() {
        open.close();
    }

    @Benchmark
    public void round() {
        open.round(chunksPerConnection(connections), chunk, slots, false, TIMEOUT_MILLIS);
    }

    private static long heapInUseAfterGc() {
        // Two collections: the first may leave objects that only the second can reclaim.
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
