package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.Frames;
import dev.zerocopy.ZeroCopy;
import dev.zerocopy.benchmarks.ktor.KtorPaths;
import java.io.IOException;
import java.nio.ByteBuffer;
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
 * Measures: heap bytes allocated by the steady-state send and receive loops. Run it under
 * -prof gc and read gc.alloc.rate.norm (bytes per operation; divide by the calls per operation for
 * bytes per call). One operation is BATCH (64) calls (LONG_BATCH, 512, for the adapter's longer
 * operations), each moving one direct view of `size` bytes (64 B, 1 KiB,
 * 1 MiB) over a loopback connection on 127.0.0.1:
 *   coreSendFrom / coreRecvInto        ZeroCopy.sendFrom / recvInto on a blocking channel;
 *   coreSendFrame / coreRecvFrame      Frames.sendFrame / recvFrame(into) on a blocking channel
 *                                      (the feeder sends well-formed frames of `size` bytes);
 *   adapterSendFrom / adapterRecvInto  the Ktor adapter's Socket.sendFrom / recvInto, `calls` (64 or
 *                                      512) calls in one coroutine inside runBlocking + withTimeout;
 *   adapterSendFrame / adapterRecvFrame the adapter's Socket.sendFrame / recvFrame(into), the same way;
 *   handNioSend                        the harness floor for the core: a write loop that reuses one
 *                                      buffer and allocates nothing;
 *   runBlockingHandNioSend             the harness floor for the adapter: the same runBlocking +
 *                                      withTimeout around handNioSend's write loop, which lasts as long
 *                                      as the adapter's operation, as the core's floor does.
 * The other end is a peer thread on a plain blocking NIO channel that drains (or feeds) without
 * pause through one reused buffer, allocating nothing; the GC profiler counts every thread, so
 * what is left is the code under test (and for the adapter, Ktor's selector).
 * The core cases allocate nothing per call (the view keeps its buffers, the loop builds no
 * Transfer while every step moves bytes), so what they show is the floor handNioSend shows too:
 * JMH's and the profiler's own background allocation spread over the operations, which at 1 MiB
 * (tens of operations per second) comes to a few bytes per call; read them against that floor,
 * with longer iterations (-r 3) at 1 MiB.
 * An adapter operation is a new coroutine, and the first call of a coroutine that waits registers
 * once with its Job (the registration the following waits reuse), so an adapter operation
 * allocates a fixed amount above its floor however many calls it makes: the difference between
 * 512 and 64 calls, divided by 448, is what one more call in a running coroutine allocates.
 * Set up outside the measured region: connections, selectors, views and peer threads; all closed
 * in TearDown. A stalled call is bounded by the 60 s timeout (adapter) or JMH's iteration
 * timeout, whose interrupt closes the blocked channel (core).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
public class AllocationBenchmark {

    /** Calls per operation of the core and the floors, and of the adapter's shorter operations. */
    public static final int BATCH = 64;

    /** Calls per operation of the adapter's longer operations. */
    public static final int LONG_BATCH = 512;

    /** The peers' buffer size, and the largest view size. */
    public static final int CHUNK = 1 << 20;

    static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(Peer.TIMEOUT_SECONDS);

    /** A blocking loopback pair whose server end a peer drains (sending) or feeds (receiving). */
    @State(Scope.Thread)
    public static class Core {
        @Param({"1048576", "1024", "64"})
        int size;
        Loopback pair;
        Peer peer;
        ByteView view;
        ByteBuffer buffer;

        void open(boolean feed) throws IOException {
            pair = Loopback.open();
            peer = new Peer(feed ? "feeder" : "drain");
            view = ByteView.allocateDirect(size);
            buffer = view.buffer();
            ByteBuffer peerBuffer = feed ? frames(size) : ByteBuffer.allocateDirect(CHUNK);
            peer.submit(() -> feed ? Peer.feedUntilClosed(pair.server, peerBuffer)
                    : Peer.drainUntilClosed(pair.server, peerBuffer));
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            pair.close();
            peer.close();
        }
    }

    /**
     * A feeder's buffer: whole frames of {@code size} payload bytes, about {@link #CHUNK} bytes of them,
     * so that the fed stream reads as frames (for the frame cases) and as bytes (for the others).
     */
    static ByteBuffer frames(int size) {
        int frame = Frames.HEADER_SIZE + size;
        int count = Math.max(1, CHUNK / frame);
        ByteBuffer buffer = ByteBuffer.allocateDirect(frame * count);
        for (int i = 0; i < count; i++) {
            buffer.putLong(i * frame, size);
        }
        return buffer;
    }

    /** The core's sending side. */
    @State(Scope.Thread)
    public static class CoreSending extends Core {
        @Setup
        public void setUp() throws IOException {
            open(false);
        }
    }

    /** The core's receiving side. */
    @State(Scope.Thread)
    public static class CoreReceiving extends Core {
        @Setup
        public void setUp() throws IOException {
            open(true);
        }
    }

    /** A Ktor socket whose NIO peer end a peer thread drains (sending) or feeds (receiving). */
    @State(Scope.Thread)
    public static class Adapter {
        @Param({"1048576", "1024", "64"})
        int size;
        /** Calls per operation, all in the operation's one coroutine. */
        @Param({"64", "512"})
        int calls;
        KtorToNio connection;
        Peer peer;
        ByteView view;

        void open(boolean feed) throws IOException {
            connection = KtorToNio.open(TIMEOUT_MILLIS);
            peer = new Peer(feed ? "feeder" : "drain");
            view = ByteView.allocateDirect(size);
            ByteBuffer peerBuffer = feed ? frames(size) : ByteBuffer.allocateDirect(CHUNK);
            peer.submit(() -> feed ? Peer.feedUntilClosed(connection.peerEnd, peerBuffer)
                    : Peer.drainUntilClosed(connection.peerEnd, peerBuffer));
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            connection.close();
            peer.close();
        }
    }

    /** The adapter's sending side. */
    @State(Scope.Thread)
    public static class AdapterSending extends Adapter {
        @Setup
        public void setUp() throws IOException {
            open(false);
        }
    }

    /** The adapter's receiving side. */
    @State(Scope.Thread)
    public static class AdapterReceiving extends Adapter {
        @Setup
        public void setUp() throws IOException {
            open(true);
        }
    }

    @Benchmark
    public void coreSendFrom(CoreSending side) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            ZeroCopy.sendFrom(side.pair.client, side.view);
        }
    }

    @Benchmark
    public void coreRecvInto(CoreReceiving side) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            ZeroCopy.recvInto(side.pair.client, side.view);
        }
    }

    @Benchmark
    public void coreSendFrame(CoreSending side) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            Frames.sendFrame(side.pair.client, side.view);
        }
    }

    @Benchmark
    public void coreRecvFrame(CoreReceiving side) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            Frames.recvFrame(side.pair.client, side.view);
        }
    }

    @Benchmark
    public void adapterSendFrame(AdapterSending side) {
        KtorPaths.sendFrameBatch(side.connection.socket, side.view, side.calls, TIMEOUT_MILLIS);
    }

    @Benchmark
    public void adapterRecvFrame(AdapterReceiving side) {
        KtorPaths.recvFrameBatch(side.connection.socket, side.view, side.calls, TIMEOUT_MILLIS);
    }

    @Benchmark
    public void adapterSendFrom(AdapterSending side) {
        KtorPaths.sendBatch(side.connection.socket, side.view, side.calls, TIMEOUT_MILLIS);
    }

    @Benchmark
    public void adapterRecvInto(AdapterReceiving side) {
        KtorPaths.recvBatch(side.connection.socket, side.view, side.calls, TIMEOUT_MILLIS);
    }

    @Benchmark
    public void handNioSend(CoreSending side) throws IOException {
        for (int i = 0; i < BATCH; i++) {
            ByteBuffer out = side.buffer.clear();
            while (out.hasRemaining()) {
                side.pair.client.write(out);
            }
        }
    }

    @Benchmark
    public void runBlockingHandNioSend(CoreSending side) {
        KtorPaths.handNioBatch(side.pair.client, side.buffer, BATCH, TIMEOUT_MILLIS);
    }
}
