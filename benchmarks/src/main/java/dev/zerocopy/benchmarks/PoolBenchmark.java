package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.ViewPool;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: the cost of taking a direct buffer of `size` bytes (4 KiB, 64 KiB, 1 MiB), writing
 * one byte into it and giving it back, on one thread, four ways:
 *   pooled          ViewPool.acquire + ByteView.close (every acquisition watched for leaks,
 *                   no stack recorded: the production default);
 *   pooledSampled   the same with sampleLeakStacks(128), Netty's default sampling interval;
 *   nettyPooled     Netty 4.2.18's PooledByteBufAllocator.DEFAULT.directBuffer + release (its
 *                   thread-local cache on, leak detection at its default SIMPLE level);
 *   allocateDirect  ByteBuffer.allocateDirect, dropped to the collector: what a caller does
 *                   without a pool (it zero-fills, so it grows with the size).
 * Run with `-prof gc` for the bytes allocated per call (gc.alloc.rate.norm).
 * Set up outside the measured region: the pools, warmed by one acquisition of each size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=1g"})
public class PoolBenchmark {

    /** Bytes per buffer. */
    @Param({"4096", "65536", "1048576"})
    public int size;

    private ViewPool pool;
    private ViewPool sampledPool;
    private PooledByteBufAllocator netty;

    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        pool = new ViewPool(64 << 20);
        sampledPool = new ViewPool(64 << 20);
        sampledPool.sampleLeakStacks(128);
        netty = PooledByteBufAllocator.DEFAULT;
        pool.acquire(size).close();
        sampledPool.acquire(size).close();
        netty.directBuffer(size).release();
    }

    @TearDown(Level.Trial)
    public void checkBalanced() {
        if (pool.figures().viewsOut() != 0 || sampledPool.figures().viewsOut() != 0) {
            throw new IllegalStateException("views left out: " + pool + ", " + sampledPool);
        }
    }

    @Benchmark
    public byte pooled() throws InterruptedException {
        return acquireTouchRelease(pool);
    }

    @Benchmark
    public byte pooledSampled() throws InterruptedException {
        return acquireTouchRelease(sampledPool);
    }

    private byte acquireTouchRelease(ViewPool from) throws InterruptedException {
        try (ByteView view = from.acquire(size)) {
            ByteBuffer buffer = view.buffer();
            buffer.put(0, (byte) 1);
            return buffer.get(size - 1);
        }
    }

    @Benchmark
    public byte nettyPooled() {
        ByteBuf buf = netty.directBuffer(size, size);
        try {
            buf.setByte(0, 1);
            return buf.getByte(size - 1);
        } finally {
            buf.release();
        }
    }

    @Benchmark
    public byte allocateDirect() {
        ByteBuffer buffer = ByteBuffer.allocateDirect(size);
        buffer.put(0, (byte) 1);
        return buffer.get(size - 1);
    }
}
