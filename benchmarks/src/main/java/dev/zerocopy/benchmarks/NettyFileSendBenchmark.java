package dev.zerocopy.benchmarks;

import io.netty.channel.DefaultFileRegion;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
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
 * Measures: FileSendBenchmark's transfer (a whole page-cached file, 1 GiB; the same `fileSize`
 * param and file) sent by Netty 4.2 as a DefaultFileRegion (`transport` param: NIO and epoll use
 * sendfile, io_uring splices) written with writeAndFlush on a client channel with an event loop
 * of its own. The receiver is FileSendBenchmark's: a blocking NIO channel drained into one reused
 * 1 MiB direct buffer by a peer thread.
 * One operation is one whole file, timed until the receiver has every byte. The region opens the
 * file itself and closes it when released (a few microseconds per transfer). Set up outside the
 * measured region: the file (read through once right before the trial so that it is page-cached),
 * the event loop, the connection and the drain thread. A stalled transfer fails after 60 s.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 8)
@Fork(value = 2, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
@State(Scope.Thread)
public class NettyFileSendBenchmark {

    /** The file's size in bytes. */
    @Param("1073741824")
    public long fileSize;

    /** The Netty transport that sends. */
    @Param({"NIO", "EPOLL", "IO_URING"})
    public NettyTransport transport;

    private Path file;
    private NettyClient client;
    private SocketChannel server;
    private Peer drain;
    private ByteBuffer buffer;

    @Setup
    public void setUp() throws IOException {
        file = BenchFiles.prepare(fileSize);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            BenchFiles.readOnce(channel);
        }
        try (ServerSocketChannel listener = Loopback.listen()) {
            client = NettyClient.connect(transport, (InetSocketAddress) listener.getLocalAddress(), null);
            server = listener.accept();
        }
        drain = new Peer("drain");
        buffer = ByteBuffer.allocateDirect(1 << 20);
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        Loopback.closeAll(client, server);
        drain.close();
    }

    @Benchmark
    public void netty() throws IOException, InterruptedException {
        Future<Long> drained = drain.submit(() -> Peer.drain(server, buffer, fileSize));
        NettyClient.await(client.channel.writeAndFlush(new DefaultFileRegion(file.toFile(), 0, fileSize)),
                "writeAndFlush of a " + fileSize + "-byte file region");
        drain.await(drained, "drain");
    }
}
