package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.SplittableRandom;
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
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: the time to take a chunk of `size` bytes (1 MiB and 20 MiB, the seed's 20 MB
 * chunk) at offset 1234 of a 100 MiB source, three ways:
 *   copy        Arrays.copyOfRange: what slicing `bytes` does in the seed (~5 ms for 20 MB there);
 *   view        ByteView.slice: no copy (the seed's memoryview, ~250 ns there);
 *   byteBuffer  ByteBuffer.slice(index, length): the JDK's own view, the floor a view is held to
 *               (target: view within 2x of it, and constant in size).
 * Set up outside the measured region: the 100 MiB array, filled with pseudo-random bytes, and
 * the ByteView and ByteBuffer over it. Each result is returned, so JMH consumes it and the
 * slice cannot be optimised away.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class SliceBenchmark {

    /** The source's size: the seed's 100 MB of video data. */
    public static final int SOURCE_SIZE = 100 << 20;

    /** The seed's byte offset. */
    public static final int OFFSET = 1234;

    /** Bytes per slice. */
    @Param({"1048576", "20971520"})
    public int size;

    private byte[] source;
    private ByteView sourceView;
    private ByteBuffer sourceBuffer;

    @Setup
    public void setUp() {
        source = new byte[SOURCE_SIZE];
        SplittableRandom random = new SplittableRandom(42);
        for (int i = 0; i < source.length; i++) {
            source[i] = (byte) random.nextInt();
        }
        sourceView = ByteView.wrap(source);
        sourceBuffer = ByteBuffer.wrap(source);
    }

    @Benchmark
    public byte[] copy() {
        return Arrays.copyOfRange(source, OFFSET, OFFSET + size);
    }

    @Benchmark
    public ByteView view() {
        return sourceView.slice(OFFSET, OFFSET + size);
    }

    @Benchmark
    public ByteBuffer byteBuffer() {
        return sourceBuffer.slice(OFFSET, size);
    }
}
