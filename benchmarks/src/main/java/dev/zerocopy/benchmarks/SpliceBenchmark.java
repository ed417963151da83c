package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.ZeroCopy;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Timeout;
import org.openjdk.jmh.annotations.Warmup;

/*
 * Measures: receiving one 1 MiB chunk into a 100 MiB heap cache (the seed's video cache, a
 * bytearray there) at offset 1234, two ways:
 *   recvThenRebuild  the seed's slow way: receive into a new 1 MiB array, then build a new
 *                    cache from the bytes before, the chunk and the bytes after (~33 ms there);
 *   recvIntoSlice    ZeroCopy.recvInto a ByteView slice of the cache: the bytes land in place
 *                    (the seed's recv_into a memoryview slice, ~33 us there).
 * Over two channels: "memory", a channel that always has a chunk ready and copies it into the
 * reader's buffer (the seed's FakeSocket: the network taken out), and "socket", a blocking
 * loopback TCP connection on 127.0.0.1 fed without pause by a peer thread writing 1 MiB chunks
 * from a direct buffer.
 * Set up outside the measured region: the cache (pseudo-random bytes), the channel, the socket
 * pair and its feeding thread (stopped and joined in TearDown). The heap is pre-touched
 * (-XX:+AlwaysPreTouch), so the slow way's 100 MiB arrays land in memory the JVM already
 * faulted in, its steady state, instead of paying ~10 us per first-touched 4 KiB page here.
 * A stalled socket is bounded by JMH's iteration timeout, whose interrupt closes the blocked
 * channel.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch"})
@Timeout(time = 2, timeUnit = TimeUnit.MINUTES)
public class SpliceBenchmark {

    /** The cache's size: the seed's 100 MB. */
    public static final int CACHE_SIZE = 100 << 20;

    /** Bytes received per operation: the seed's 1 MB chunk. */
    public static final int CHUNK = 1 << 20;

    /** The seed's byte offset. */
    public static final int OFFSET = 1234;

    /** Where the chunk comes from: "memory" or "socket". */
    @Param({"memory", "socket"})
    public String channel;

    private byte[] cache;
    private ByteView cacheView;
    private ReadableByteChannel source;
    private Loopback loopback;
    private Peer feeder;

    @Setup
    public void setUp() throws IOException {
        cache = new byte[CACHE_SIZE];
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < cache.length; i++) {
            cache[i] = (byte) random.nextInt();
        }
        cacheView = ByteView.wrap(cache);
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        while (chunk.hasRemaining()) {
            chunk.put((byte) random.nextInt());
        }
        switch (channel) {
            case "memory" -> source = new InMemoryChannel(chunk);
            case "socket" -> {
                loopback = Loopback.open();
                feeder = new Peer("feeder");
                feeder.submit(() -> Peer.feedUntilClosed(loopback.client, chunk));
                source = loopback.server;
            }
            default -> throw new IllegalArgumentException("channel must be memory or socket, was " + channel);
        }
    }

    @TearDown
    public void tearDown() throws IOException, InterruptedException {
        if (loopback != null) {
            loopback.close();
            feeder.close();
        }
    }

    @Benchmark
    public byte[] recvThenRebuild() throws IOException {
        byte[] chunk = new byte[CHUNK];
        ZeroCopy.recvInto(source, ByteView.wrap(chunk));
        byte[] rebuilt = new byte[cache.length];
        System.arraycopy(cache, 0, rebuilt, 0, OFFSET);
        System.arraycopy(chunk, 0, rebuilt, OFFSET, CHUNK);
        System.arraycopy(cache, OFFSET + CHUNK, rebuilt, OFFSET + CHUNK, cache.length - OFFSET - CHUNK);
        cache = rebuilt;
        return rebuilt;
    }

    @Benchmark
    public ByteView recvIntoSlice() throws IOException {
        ByteView slice = cacheView.slice(OFFSET, OFFSET + CHUNK);
        ZeroCopy.recvInto(source, slice);
        return slice;
    }
}
