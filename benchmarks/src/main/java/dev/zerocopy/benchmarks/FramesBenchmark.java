package dev.zerocopy.benchmarks;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
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
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/*
 * Measures: small frames (the core's Frames format: an 8-byte big-endian length, then the
 * payload; `size` = 64 B, 1 KiB, 16 KiB) on one 127.0.0.1 connection, by each client path
 * (`path` param, see FramePath: core blocking and non-blocking, the adapter, Ktor's
 * channels, a hand-written NIO loop, Netty 4.2 over NIO, epoll and io_uring), all against the
 * same far end (FramePeer: a blocking NIO peer thread, allocation-free):
 *   pingPong  one operation is PING_BATCH round trips (send a frame, receive its echo); each
 *             round trip is timed on its own into an HdrHistogram, whose p50 and p99 are reported
 *             per iteration as the `latency.p50` and `latency.p99` metrics (us);
 *   stream    one operation is STREAM_BATCH frames sent one way; the peer reads and drops them.
 * Messages per second are PING_BATCH or STREAM_BATCH over the time per operation (the report's
 * arithmetic). Both run a batch per operation so that the Ktor paths' runBlocking (one per
 * batch) is not what is measured; with -prof gc, gc.alloc.rate.norm / batch is the allocation
 * per message, the peer allocating nothing.
 * Set up outside the measured region: the connection, the client's event loop or selector, the
 * buffers and the peer thread; all closed in TearDown. A stalled batch fails after 60 s.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
@State(Scope.Thread)
public class FramesBenchmark {

    /** Round trips per ping-pong operation. */
    public static final int PING_BATCH = 64;

    /** Frames per stream operation. */
    public static final int STREAM_BATCH = 256;

    /** Payload bytes per frame. */
    @Param({"64", "1024", "16384"})
    public int size;

    /** The client path. */
    @Param({"CORE", "CORE_NON_BLOCKING", "ADAPTER", "KTOR_CHANNELS", "HAND_NIO", "NETTY_NIO", "NETTY_EPOLL",
            "NETTY_IO_URING"})
    public FramePath path;

    private FrameClient client;
    private SocketChannel server;
    private Peer peer;
    private Future<Long> served;
    private final Histogram latencies = new Histogram(TimeUnit.SECONDS.toNanos(10), 2);

    @Setup
    public void setUp(BenchmarkParams params) throws IOException {
        boolean echo = params.getBenchmark().endsWith(".pingPong");
        try (ServerSocketChannel listener = Loopback.listen()) {
            InetSocketAddress address = (InetSocketAddress) listener.getLocalAddress();
            // The listener's backlog holds the connection until accept, whatever the client's way of connecting.
            client = FrameClient.open(path, address, size);
            server = listener.accept();
        }
        server.socket().setTcpNoDelay(true);
        peer = new Peer("frames");
        served = peer.submit(() -> FramePeer.serve(server, echo, size));
    }

    @Setup(Level.Iteration)
    public void resetLatencies() {
        latencies.reset();
    }

    @TearDown(Level.Iteration)
    public void publishLatencies() {
        if (latencies.getTotalCount() > 0) {
            Gauges.set("latency.p50:us", latencies.getValueAtPercentile(50) / 1e3);
            Gauges.set("latency.p99:us", latencies.getValueAtPercentile(99) / 1e3);
        }
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        try {
            Loopback.closeAll(client, server);
        } finally {
            peer.close();
        }
        if (served.isDone() && !served.isCancelled()) {
            peer.await(served, "frame peer"); // rethrows what failed the peer, if anything did
        }
    }

    @Benchmark
    public void pingPong() throws IOException {
        client.pingPong(PING_BATCH, latencies);
    }

    @Benchmark
    public void stream() throws IOException {
        client.stream(STREAM_BATCH);
    }
}
