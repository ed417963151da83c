package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.ZeroCopy;
import dev.zerocopy.benchmarks.ktor.KtorPair;
import dev.zerocopy.benchmarks.ktor.KtorPaths;
import io.ktor.network.selector.SelectorManager;
import io.ktor.utils.io.ByteReadChannel;
import io.ktor.utils.io.ByteWriteChannel;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
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
 * Measures: one transfer of the seed's array (50,000,000 doubles, 400 MB; the `bytes` param)
 * over a loopback TCP connection on 127.0.0.1, both ends in this JVM, each path using its own
 * API on both ends:
 *   core          ZeroCopy.sendFrom / ZeroCopy.recvInto on blocking channels (receiver: a peer thread);
 *   adapter       the Ktor adapter's Socket.sendFrom / Socket.recvInto (receiver: a coroutine
 *                 on Dispatchers.Default; selector on Dispatchers.IO);
 *   ktorChannels  Ktor's own ByteWriteChannel.writeFully + flush / ByteReadChannel.readFully,
 *                 what a Ktor user writes today (same threads as the adapter);
 *   handNio       a hand-written loop of SocketChannel.write / read over the whole direct buffer,
 *                 the baseline a JVM expert writes (receiver: a peer thread).
 * One operation is one whole transfer, timed from the start of the send until the receiver
 * has every byte. GiB/s is computed from it by the results script.
 * Set up outside the measured region: both 400 MB direct buffers (the send one filled with
 * 0.0, 1.0, 2.0, ...; the receive one zero-filled, so its pages are touched), the connections,
 * selectors and the receiving thread; all closed in TearDown. The receive buffer is compared
 * with the sent one at the end of the trial. A stalled transfer fails: the Ktor paths and the
 * receiving thread after 60 s, a blocked send at JMH's 2 min iteration timeout, whose interrupt
 * closes the blocked channel.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3)
@Measurement(iterations = 10)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:MaxDirectMemorySize=2g"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
public class LoopbackBenchmark {

    static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(Peer.TIMEOUT_SECONDS);

    /** The array sent and the buffer it lands in. */
    @State(Scope.Benchmark)
    public static class Data {

        /** Bytes per transfer: the seed's numpy.arange(0.0, 50000000.0). */
        @Param("400000000")
        public int bytes;

        ByteView send;
        ByteView recv;
        ByteBuffer sendBuffer;
        ByteBuffer recvBuffer;

        @Setup
        public void setUp() {
            if (bytes % Double.BYTES != 0) {
                throw new IllegalArgumentException("bytes must be a whole number of doubles, was " + bytes);
            }
            send = ByteView.allocateDirect(bytes);
            DoubleBuffer doubles = send.asDoubles();
            for (int i = 0; i < doubles.capacity(); i++) {
                doubles.put(i, i);
            }
            recv = ByteView.allocateDirect(bytes);
            sendBuffer = send.buffer();
            recvBuffer = recv.buffer();
        }

        @TearDown
        public void verify() {
            if (!recv.equals(send)) {
                throw new IllegalStateException("the received " + bytes + " bytes differ from the sent ones");
            }
        }
    }

    /** A blocking loopback pair and the thread that receives on it. */
    @State(Scope.Thread)
    public static class Nio {
        Loopback pair;
        Peer receiver;

        @Setup
        public void setUp() throws IOException, InterruptedException {
            pair = Loopback.open();
            receiver = new Peer("receiver");
            receiver.await(receiver.submit(() -> 0L), "the receiving thread's start"); // as the adapter's harness runs once
        }

        @TearDown
        public void tearDown() throws IOException, InterruptedException {
            pair.close();
            receiver.close();
        }
    }

    /** A Ktor pair for the adapter. */
    @State(Scope.Thread)
    public static class Adapter {
        SelectorManager selector;
        KtorPair pair;

        @Setup
        public void setUp() {
            selector = KtorPaths.selector();
            pair = KtorPaths.pair(selector, TIMEOUT_MILLIS);
            KtorPaths.runHarnessOnce(TIMEOUT_MILLIS); // as the core's harness starts its receiving thread
        }

        @TearDown
        public void tearDown() throws IOException {
            pair.close();
            selector.close();
        }
    }

    /** A Ktor pair with Ktor's write channel open on one end and its read channel on the other. */
    @State(Scope.Thread)
    public static class Channels {
        SelectorManager selector;
        KtorPair pair;
        ByteWriteChannel write;
        ByteReadChannel read;

        @Setup
        public void setUp() {
            selector = KtorPaths.selector();
            pair = KtorPaths.pair(selector, TIMEOUT_MILLIS);
            write = KtorPaths.writeChannel(pair.getClient());
            read = KtorPaths.readChannel(pair.getServer());
        }

        @TearDown
        public void tearDown() throws IOException {
            pair.close();
            selector.close();
        }
    }

    @Benchmark
    public void core(Data data, Nio nio) throws IOException, InterruptedException {
        Future<Long> received = nio.receiver.submit(() -> ZeroCopy.recvInto(nio.pair.server, data.recv));
        ZeroCopy.sendFrom(nio.pair.client, data.send);
        nio.receiver.await(received, "recvInto");
    }

    @Benchmark
    public void adapter(Data data, Adapter adapter) {
        KtorPaths.adapterTransfer(adapter.pair.getClient(), adapter.pair.getServer(), data.send, data.recv,
                TIMEOUT_MILLIS);
    }

    @Benchmark
    public void ktorChannels(Data data, Channels channels) {
        data.sendBuffer.clear();
        data.recvBuffer.clear();
        KtorPaths.channelsTransfer(channels.write, channels.read, data.sendBuffer, data.recvBuffer, TIMEOUT_MILLIS);
    }

    @Benchmark
    public void handNio(Data data, Nio nio) throws IOException, InterruptedException {
        ByteBuffer in = data.recvBuffer.clear();
        SocketChannel server = nio.pair.server;
        Future<Integer> received = nio.receiver.submit(() -> {
            while (in.hasRemaining()) {
                if (server.read(in) < 0) {
                    throw new EOFException("stream ended with " + in.remaining() + " bytes to go");
                }
            }
            return in.position();
        });
        ByteBuffer out = data.sendBuffer.clear();
        while (out.hasRemaining()) {
            nio.pair.client.write(out);
        }
        nio.receiver.await(received, "read loop");
    }
}
