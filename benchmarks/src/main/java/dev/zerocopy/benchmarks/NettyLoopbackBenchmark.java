package dev.zerocopy.benchmarks;

import dev.zerocopy.ZeroCopy;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
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
 * Measures: LoopbackBenchmark's transfer (the seed's 400 MB array, the same `bytes` param and the
 * same LoopbackBenchmark.Data buffers) sent by Netty 4.2 in each transport (`transport` param:
 * NIO, EPOLL, IO_URING): the direct send buffer wrapped without a copy (Unpooled.wrappedBuffer)
 * and written with one writeAndFlush on a Netty client channel with an event loop of its own.
 * The receiver is the core path's: a peer thread doing ZeroCopy.recvInto on a blocking channel,
 * so the sending stacks are compared against the same receiver.
 * One operation is one whole transfer, timed from the writeAndFlush until the receiver has every
 * byte (the write future completes first). Set up outside the measured region: the buffers, the
 * event loop, the connection and the receiving thread; all closed in TearDown. The received bytes
 * are compared with the sent ones at the end of the trial. A stalled transfer fails after 60 s.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
public class NettyLoopbackBenchmark {

    /** A Netty client connected to a blocking channel, and the thread that receives on it. */
    @State(Scope.Thread)
    public static class Connection {

        /** The Netty transport that sends. */
        @Param({"NIO", "EPOLL", "IO_URING"})
        public NettyTransport transport;

        NettyClient client;
        SocketChannel server;
        Peer receiver;

        @Setup
        public void setUp() throws IOException {
            try (ServerSocketChannel listener = Loopback.listen()) {
                client = NettyClient.connect(transport, (InetSocketAddress) listener.getLocalAddress(), null);
                server = listener.accept();
            }
            receiver = new Peer("receiver");
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            Loopback.closeAll(client, server);
            receiver.close();
        }
    }

    @Benchmark
    public void netty(LoopbackBenchmark.Data data, Connection connection) throws IOException, InterruptedException {
        Future<Long> received = connection.receiver.submit(() -> ZeroCopy.recvInto(connection.server, data.recv));
        NettyClient.await(connection.client.channel.writeAndFlush(Unpooled.wrappedBuffer(data.sendBuffer.duplicate().clear())),
                "writeAndFlush of " + data.bytes + " bytes");
        connection.receiver.await(received, "recvInto");
    }
}
