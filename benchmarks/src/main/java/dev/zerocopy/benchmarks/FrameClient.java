package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.Frames;
import dev.zerocopy.benchmarks.ktor.KtorFrames;
import dev.zerocopy.benchmarks.ktor.KtorPaths;
import io.ktor.network.selector.SelectorManager;
import io.ktor.network.sockets.Socket;
import io.ktor.utils.io.ByteReadChannel;
import io.ktor.utils.io.ByteWriteChannel;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SocketChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The client end of one frame path of {@link FramesBenchmark}: sends frames of one payload to
 * the shared {@link FramePeer} and, for ping-pong, receives each echo. Every path does the same
 * work: an 8-byte big-endian length, then the payload, each frame whole on the wire.
 */
abstract class FrameClient implements Closeable {

    static final long TIMEOUT_MILLIS = TimeUnit.SECONDS.toMillis(Peer.TIMEOUT_SECONDS);


    /** Runs {@code times} round trips, recording each one's nanoseconds in {@code latencies}. */
    abstract void pingPong(int times, Histogram latencies) throws IOException;

    /** Sends {@code frames} frames and returns once they are all handed to the kernel. */
    abstract void stream(int frames) throws IOException;

    /** Connects {@code path}'s client to the peer listening at {@code address}, for payloads of {@code size}. */
    static FrameClient open(FramePath path, InetSocketAddress address, int size) throws IOException {
        return switch (path) {
            case CORE -> new Core(SocketChannel.open(address), size);
            case CORE_NON_BLOCKING -> {
                SocketChannel channel = SocketChannel.open(address);
                channel.configureBlocking(false);
                yield new Core(channel, size);
            }
            case HAND_NIO -> new HandNio(SocketChannel.open(address), size);
            case ADAPTER -> new Adapter(address, size);
            case KTOR_CHANNELS -> new KtorChannels(address, size);
            case NETTY_NIO -> new Netty(NettyTransport.NIO, address, size);
            case NETTY_EPOLL -> new Netty(NettyTransport.EPOLL, address, size);
            case NETTY_IO_URING -> new Netty(NettyTransport.IO_URING, address, size);
        };
    }

    /** The payload every path sends: {@code size} bytes 0, 1, 2, ... in a direct buffer. */
    static ByteBuffer payload(int size) {
        ByteBuffer payload = ByteBuffer.allocateDirect(size);
        for (int i = 0; i < size; i++) {
            payload.put(i, (byte) i);
        }
        return payload;
    }

    private static final class Core extends FrameClient {
        private final SocketChannel channel;
        private final ByteView payload;
        private final ByteView into;

        Core(SocketChannel channel, int size) {
            this.channel = channel;
            this.payload = ByteView.wrap(payload(size)).readOnly();
            this.into = ByteView.allocateDirect(size);
        }

        @Override
        void pingPong(int times, Histogram latencies) throws IOException {
            for (int i = 0; i < times; i++) {
                long start = System.nanoTime();
                Frames.sendFrame(channel, payload);
                ByteView echo = Frames.recvFrame(channel, into);
                latencies.recordValue(System.nanoTime() - start);
                if (echo.size() != payload.size()) {
                    throw new IOException("echo of " + echo.size() + " bytes, sent " + payload.size());
                }
            }
        }

        @Override
        void stream(int frames) throws IOException {
            for (int i = 0; i < frames; i++) {
                Frames.sendFrame(channel, payload);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class HandNio extends FrameClient {
        private final SocketChannel channel;
        private final ByteBuffer header = ByteBuffer.allocateDirect(Long.BYTES).order(ByteOrder.BIG_ENDIAN);
        private final ByteBuffer payload;
        private final ByteBuffer into;
        private final ByteBuffer[] frame;
        private final ByteBuffer[] echo;

        HandNio(SocketChannel channel, int size) {
            this.channel = channel;
            this.payload = payload(size);
            this.into = ByteBuffer.allocateDirect(size);
            this.frame = new ByteBuffer[] {header, payload};
            this.echo = new ByteBuffer[] {header, into};
        }

        @Override
        void pingPong(int times, Histogram latencies) throws IOException {
            for (int i = 0; i < times; i++) {
                long start = System.nanoTime();
                send();
                header.clear();
                into.clear();
                long expected = Long.BYTES + (long) into.capacity();
                for (long read = 0; read < expected; ) {
                    long n = channel.read(echo);
                    if (n < 0) {
                        throw new EOFException("echo ended after " + read + " of " + expected + " bytes");
                    }
                    read += n;
                }
                latencies.recordValue(System.nanoTime() - start);
            }
        }

        @Override
        void stream(int frames) throws IOException {
            for (int i = 0; i < frames; i++) {
                send();
            }
        }

        private void send() throws IOException {
            header.clear().putLong(0, payload.capacity());
            payload.clear();
            while (header.hasRemaining() || payload.hasRemaining()) {
                channel.write(frame);
            }
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static final class Adapter extends FrameClient {
        private final SelectorManager selector = KtorPaths.selector();
        private final Socket socket;
        private final ByteView payload;
        private final ByteView into;

        Adapter(InetSocketAddress address, int size) {
            this.socket = KtorPaths.connect(selector, address.getPort(), TIMEOUT_MILLIS);
            this.payload = ByteView.wrap(payload(size)).readOnly();
            this.into = ByteView.allocateDirect(size);
        }

        @Override
        void pingPong(int times, Histogram latencies) {
            KtorFrames.adapterPingPong(socket, payload, into, times, latencies, TIMEOUT_MILLIS);
        }

        @Override
        void stream(int frames) {
            KtorFrames.adapterStream(socket, payload, frames, TIMEOUT_MILLIS);
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } finally {
                selector.close();
            }
        }
    }

    private static final class KtorChannels extends FrameClient {
        private final SelectorManager selector = KtorPaths.selector();
        private final Socket socket;
        private final ByteWriteChannel write;
        private final ByteReadChannel read;
        private final ByteBuffer payload;
        private final ByteBuffer into;

        KtorChannels(InetSocketAddress address, int size) {
            this.socket = KtorPaths.connect(selector, address.getPort(), TIMEOUT_MILLIS);
            this.write = KtorPaths.writeChannel(socket);
            this.read = KtorPaths.readChannel(socket);
            this.payload = payload(size);
            this.into = ByteBuffer.allocateDirect(size);
        }

        @Override
        void pingPong(int times, Histogram latencies) {
            KtorFrames.channelsPingPong(write, read, payload, into, times, latencies, TIMEOUT_MILLIS);
        }

        @Override
        void stream(int frames) {
            KtorFrames.channelsStream(write, payload, frames, TIMEOUT_MILLIS);
        }

        @Override
        public void close() throws IOException {
            try {
                socket.close();
            } finally {
                selector.close();
            }
        }
    }

    /**
     * Netty as its users write frames: the header in a pooled 8-byte buffer, the payload a
     * retained duplicate of one pooled direct buffer (what {@code LengthFieldPrepender} writes),
     * and an inbound handler that counts whole echoes and wakes the benchmark thread. The
     * writes run as one task on the channel's event loop per round trip or per stream batch,
     * as a Netty user hands work to it, rather than as one task per write.
     */
    private static final class Netty extends FrameClient {
        private final NettyClient client;
        private final Channel channel;
        private final ByteBuf payload;
        private final EchoCounter echoes;
        private final Runnable writeOne;
        private final Runnable writeBatch;
        private int batchFrames;
        private ChannelPromise batchWritten;

        Netty(NettyTransport transport, InetSocketAddress address, int size) throws IOException {
            this.echoes = new EchoCounter(Long.BYTES + size);
            this.client = NettyClient.connect(transport, address, echoes);
            this.channel = client.channel;
            this.payload = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(payload(size));
            this.writeOne = () -> {
                writeFrame(channel.voidPromise());
                channel.flush();
            };
            // Reads the fields set before execute(): the event loop's task queue publishes them.
            this.writeBatch = () -> {
                for (int i = 1; i < batchFrames; i++) {
                    writeFrame(channel.voidPromise());
                }
                writeFrame(batchWritten);
                channel.flush();
            };
        }

        @Override
        void pingPong(int times, Histogram latencies) throws IOException {
            for (int i = 0; i < times; i++) {
                long start = System.nanoTime();
                long target = echoes.count + 1;
                echoes.waiter = Thread.currentThread();
                channel.eventLoop().execute(writeOne);
                echoes.await(target);
                latencies.recordValue(System.nanoTime() - start);
            }
        }

        @Override
        void stream(int frames) throws IOException {
            batchFrames = frames;
            batchWritten = channel.newPromise();
            channel.eventLoop().execute(writeBatch);
            // The last frame's write is awaited: at most one batch is queued in Netty.
            NettyClient.await(batchWritten, "the last of " + frames + " frames");
        }

        private void writeFrame(ChannelPromise promise) {
            ByteBuf header = channel.alloc().directBuffer(Long.BYTES).writeLong(payload.readableBytes());
            channel.write(header, channel.voidPromise());
            channel.write(payload.retainedDuplicate(), promise);
        }

        @Override
        public void close() throws IOException {
            try {
                client.close();
            } finally {
                payload.release();
            }
        }
    }

    /** Counts whole frames of a known size arriving on a Netty channel; releases every buffer. */
    private static final class EchoCounter extends ChannelInboundHandlerAdapter {
        private final long frameBytes;
        private long bytes;
        volatile long count;
        volatile Thread waiter;

        EchoCounter(long frameBytes) {
            this.frameBytes = frameBytes;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            try {
                bytes += ((ByteBuf) message).readableBytes();
            } finally {
                ReferenceCountUtil.release(message);
            }
            if (bytes >= frameBytes) {
                count += bytes / frameBytes;
                bytes %= frameBytes;
                LockSupport.unpark(waiter);
            }
        }

        /** Parks until {@code target} echoes have arrived, at most {@link Peer#TIMEOUT_SECONDS}. */
        void await(long target) throws IOException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(Peer.TIMEOUT_SECONDS);
            while (count < target) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new IOException("Netty: echo " + target + " did not arrive within " + Peer.TIMEOUT_SECONDS
                            + " s (" + count + " arrived)");
                }
                LockSupport.parkNanos(this, left);
            }
        }
    }
}
