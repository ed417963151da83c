package dev.zerocopy.benchmarks;

import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.ZeroCopy;
import dev.zerocopy.benchmarks.ktor.KtorPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Future;
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
 * Measures: sending a whole page-cached file (1 GiB; the `fileSize` param) over a loopback TCP
 * connection on 127.0.0.1, in each file mode (`mode` param):
 *   ZERO_COPY  FileChannel.transferTo, the kernel's sendfile;
 *   COPY_64K   the copy loop with 64 KiB chunks;  COPY_1M  the same with 1 MiB chunks;
 *   AUTO       the library's automatic choice (the `zeroCopy.share` metric says what it ran);
 * with two senders: `core` (ZeroCopy.sendFile on a blocking channel) and `adapter` (the Ktor
 * adapter's Socket.sendFile). The receiving end is the same in all eight: a plain blocking NIO
 * channel drained into one reused 1 MiB direct buffer by a peer thread.
 * One operation is one whole file, timed until the receiver has every byte. With
 * -prof dev.zerocopy.benchmarks.ResourceProfiler, `cpu.process` is the CPU time of the whole
 * process per file and `cpu.peers` the drain thread's share; the difference is the sender's.
 * Set up outside the measured region: the file (written once, kept in $ZEROCOPY_BENCH_DIR), read
 * through once right before the trial so that it is in the page cache (pages idle ~60 s are
 * evicted here), the connection, selector and drain thread (closed in TearDown). The first
 * transfers are JMH warm-up iterations and are discarded. A stalled transfer fails: the
 * adapter's and the drain's after 60 s, a blocked core send at JMH's 2 min iteration timeout,
 * whose interrupt closes the blocked channel.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 8)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
public class FileSendBenchmark {

    static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(Peer.TIMEOUT_SECONDS);

    private static final int DRAIN_BUFFER = 1 << 20;

    /** The file, page-cached, and the options of the mode under test. */
    @State(Scope.Benchmark)
    public static class SentFile {

        /** The file's size in bytes. */
        @Param("1073741824")
        public long fileSize;

        /** ZERO_COPY, COPY_64K, COPY_1M or AUTO. */
        @Param({"ZERO_COPY", "COPY_64K", "COPY_1M", "AUTO"})
        public String mode;

        FileChannel channel;
        FileOptions options;

        @Setup
        public void setUp() throws IOException {
            options = switch (mode) {
                case "ZERO_COPY" -> FileOptions.defaults().withMode(FileMode.ZERO_COPY);
                case "COPY_64K" -> FileOptions.defaults().withMode(FileMode.COPY).withChunkSize(64 << 10);
                case "COPY_1M" -> FileOptions.defaults().withMode(FileMode.COPY).withChunkSize(1 << 20);
                case "AUTO" -> FileOptions.defaults();
                default -> throw new IllegalArgumentException(
                        "mode must be ZERO_COPY, COPY_64K, COPY_1M or AUTO, was " + mode);
            };
            channel = FileChannel.open(BenchFiles.prepare(fileSize), StandardOpenOption.READ);
            BenchFiles.readOnce(channel);
        }

        /** Checks the count and reports which share of the file went by zero-copy. */
        void record(FileTransfer transfer) {
            if (transfer.transferred() != fileSize) {
                throw new IllegalStateException("sent " + transfer.transferred() + " of " + fileSize + " bytes");
            }
            Gauges.set("zeroCopy.share:fraction", (double) transfer.zeroCopied() / fileSize);
        }

        @TearDown
        public void tearDown() throws IOException {
            channel.close();
        }
    }

    /** A blocking loopback pair and the thread draining its server end. */
    @State(Scope.Thread)
    public static class CoreSide {
        Loopback pair;
        Peer drain;
        ByteBuffer buffer;

        @Setup
        public void setUp() throws IOException {
            pair = Loopback.open();
            drain = new Peer("drain");
            buffer = ByteBuffer.allocateDirect(DRAIN_BUFFER);
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            pair.close();
            drain.close();
        }
    }

    /** A Ktor socket connected to a blocking NIO channel and the thread draining it. */
    @State(Scope.Thread)
    public static class AdapterSide {
        KtorToNio connection;
        Peer drain;
        ByteBuffer buffer;

        @Setup
        public void setUp() throws IOException {
            connection = KtorToNio.open(TIMEOUT_MILLIS);
            drain = new Peer("drain");
            buffer = ByteBuffer.allocateDirect(DRAIN_BUFFER);
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            connection.close();
            drain.close();
        }
    }

    @Benchmark
    public void core(SentFile file, CoreSide side) throws IOException, InterruptedException {
        Future<Long> drained = startDrain(side.drain, side.pair.server, side.buffer, file.fileSize);
        FileTransfer transfer = ZeroCopy.sendFile(file.channel, side.pair.client, 0, file.fileSize, file.options);
        side.drain.await(drained, "drain");
        file.record(transfer);
    }

    @Benchmark
    public void adapter(SentFile file, AdapterSide side) throws IOException, InterruptedException {
        Future<Long> drained = startDrain(side.drain, side.connection.peerEnd, side.buffer, file.fileSize);
        FileTransfer transfer = KtorPaths.sendFile(side.connection.socket, file.channel, file.fileSize,
                file.options, TIMEOUT_MILLIS);
        side.drain.await(drained, "drain");
        file.record(transfer);
    }

    private static Future<Long> startDrain(Peer drain, SocketChannel channel, ByteBuffer buffer, long count) {
        return drain.submit(() -> Peer.drain(channel, buffer, count));
    }
}
