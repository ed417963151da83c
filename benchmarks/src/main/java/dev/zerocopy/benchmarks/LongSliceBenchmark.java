package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: the time to take a 20 MiB slice (the seed's chunk) of a view larger than 2 GiB, a
 * 3 GiB sparse file mapped in 1 GiB pieces, against ByteBuffer.slice of one piece:
 *   withinPiece   ByteView.slice past the 2 GiB mark, inside one piece: a view over one buffer;
 *   acrossPieces  ByteView.slice straddling the 1 GiB boundary: a view over two pieces;
 *   byteBuffer    ByteBuffer.slice(index, length) of the mapped piece: the JDK's floor
 *                 (target: both within 2x of it, and constant in the view's size).
 * Set up outside the measured region: the sparse file (nothing is written to it, so it takes
 * no disk space and no page is touched) and its mapping. Each slice is returned to JMH.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class LongSliceBenchmark {

    private static final long GIB = 1L << 30;
    private static final int SLICE = 20 << 20;

    private Path file;
    private ByteView view;
    private ByteBuffer piece;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        file = Files.createTempFile("zerocopy-long-slice-", ".bin");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(3 * GIB);
        }
        try (FileChannel channel = FileChannel.open(file)) {
            view = ByteView.map(channel, 0, 3 * GIB);
        }
        piece = view.slice(2 * GIB, 3 * GIB).buffer();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
    }

    @Benchmark
    public ByteView withinPiece() {
        return view.slice(2 * GIB + 1234, 2 * GIB + 1234 + SLICE);
    }

    @Benchmark
    public ByteView acrossPieces() {
        return view.slice(GIB - 1234, GIB - 1234 + SLICE);
    }

    @Benchmark
    public ByteBuffer byteBuffer() {
        return piece.slice(1234, SLICE);
    }
}
