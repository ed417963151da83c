package dev.zerocopy.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code count} connections on 127.0.0.1, both ends Netty channels of one event loop group in
 * this JVM, for {@link ConnectionsHarness}: in a round every connection writes {@code chunks}
 * 1 MiB chunks (one direct buffer, wrapped without a copy) from its client end, and from its
 * server end too when both ways are asked for, and each receiving end counts and releases what
 * arrives, as a Netty user's handler that has consumed the bytes does.
 *
 * <p>Netty runs as its users run it unless told otherwise: the group has Netty's default size
 * (two threads per core) and the default allocator (4.2's adaptive one); reads are sized by
 * the adaptive receive allocator up to 64 KiB each (the harness's {@code --netty-max-read}
 * raises that, e.g. to the library's 1 MiB receive slot), auto-read is on, and each channel's
 * chunks are written and flushed by one task on its own event loop, as a handler there would
 * write them. The write-buffer water marks do not gate anything: nothing waits for
 * writability, the outbound buffer holds the wrapped chunk without a copy.
 */
final class NettyConnections implements AutoCloseable {

    private static final int CONNECT_BATCH = 256;
    /** Netty's defaults for the adaptive receive buffer's smallest and first size. */
    private static final int MIN_READ_BYTES = 64;
    private static final int INITIAL_READ_BYTES = 2048;
    /** Netty's default for stream channels: reads per readiness event before the loop moves on. */
    private static final int MESSAGES_PER_READ = 16;

    private final EventLoopGroup group;
    private final Channel listener;
    private final List<Channel> clients;
    private final List<Channel> servers;

    private NettyConnections(EventLoopGroup group, Channel listener, List<Channel> clients, List<Channel> servers) {
        this.group = group;
        this.listener = listener;
        this.clients = clients;
        this.servers = servers;
    }

    /**
     * How Netty is set up; 0 leaves a setting at Netty's (or the kernel's) default.
     *
     * @param threads event loop threads (default: two per core)
     * @param maxReadBytes the most one read may take from a socket, the receive buffer's largest size (default 64 KiB)
     * @param sendBufferBytes {@code SO_SNDBUF} of every socket (default: the kernel's autotuning)
     * @param receiveBufferBytes {@code SO_RCVBUF} of every socket (default: the kernel's autotuning)
     */
    record Settings(int threads, int maxReadBytes, int sendBufferBytes, int receiveBufferBytes) {
    }

    /** Opens {@code count} connections. */
    static NettyConnections open(NettyTransport transport, int count, Settings settings) throws IOException {
        EventLoopGroup group = transport.group(settings.threads);
        // Null leaves Netty's own: an allocator set by hand reads one message per event unless told
        // otherwise, where the channel's default reads up to 16.
        RecvByteBufAllocator reads = settings.maxReadBytes == 0 ? null
                : new AdaptiveRecvByteBufAllocator(MIN_READ_BYTES, INITIAL_READ_BYTES, settings.maxReadBytes)
                        .maxMessagesPerRead(MESSAGES_PER_READ);
        Integer sendBuffer = settings.sendBufferBytes == 0 ? null : settings.sendBufferBytes;
        Integer receiveBuffer = settings.receiveBufferBytes == 0 ? null : settings.receiveBufferBytes;
        List<Channel> clients = new ArrayList<>(count);
        ConcurrentLinkedQueue<Channel> accepted = new ConcurrentLinkedQueue<>();
        CountDownLatch allAccepted = new CountDownLatch(count);
        Channel listener = null;
        try {
            ChannelFuture bound = new ServerBootstrap().group(group).channel(transport.serverChannel())
                    .option(ChannelOption.SO_BACKLOG, 2 * CONNECT_BATCH)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, reads)
                    .childOption(ChannelOption.SO_SNDBUF, sendBuffer)
                    .option(ChannelOption.SO_RCVBUF, receiveBuffer)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel child) {
                            child.pipeline().addLast(new Counter());
                            accepted.add(child);
                            allAccepted.countDown();
                        }
                    })
                    .bind(new InetSocketAddress(Loopback.ADDRESS, 0));
            NettyClient.await(bound, "bind");
            listener = bound.channel();
            Bootstrap connector = new Bootstrap().group(group).channel(transport.socketChannel())
                    .option(ChannelOption.RCVBUF_ALLOCATOR, reads)
                    .option(ChannelOption.SO_SNDBUF, sendBuffer)
                    .option(ChannelOption.SO_RCVBUF, receiveBuffer)
                    .handler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel client) {
                            client.pipeline().addLast(new Counter());
                        }
                    });
            for (int start = 0; start < count; start += CONNECT_BATCH) {
                List<ChannelFuture> batch = new ArrayList<>();
                for (int i = start; i < Math.min(count, start + CONNECT_BATCH); i++) {
                    batch.add(connector.connect(listener.localAddress()));
                }
                for (ChannelFuture connected : batch) {
                    NettyClient.await(connected, "connect");
                    clients.add(connected.channel());
                }
            }
            if (!allAccepted.await(Peer.TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                throw new IOException("Netty accepted " + (count - allAccepted.getCount()) + " of " + count
                        + " connections within " + Peer.TIMEOUT_SECONDS + " s");
            }
            return new NettyConnections(group, listener, clients, new ArrayList<>(accepted));
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("interrupted while connecting", e);
        }
    }

    /** Moves {@code chunks} copies of {@code chunk} over every connection (both ways if asked); returns when all arrived. */
    void round(int chunks, ByteBuffer chunk, boolean bothWays, long timeoutMillis) throws IOException {
        List<Channel> senders = new ArrayList<>(clients);
        List<Channel> receivers = new ArrayList<>(servers);
        if (bothWays) {
            senders.addAll(servers);
            receivers.addAll(clients);
        }
        CountDownLatch done = new CountDownLatch(receivers.size());
        for (Channel receiver : receivers) {
            receiver.pipeline().get(Counter.class).expect((long) chunks * chunk.capacity(), done);
        }
        ByteBuf wrapped = Unpooled.wrappedBuffer(chunk.duplicate().clear());
        for (Channel sender : senders) {
            // One task per channel on its own event loop, as a handler there would write; not a task
            // per write and another per flush.
            ByteBuf own = wrapped.retainedDuplicate();
            sender.eventLoop().execute(() -> {
                for (int c = 0; c < chunks; c++) {
                    sender.write(own.retainedDuplicate(), sender.voidPromise());
                }
                sender.flush();
                own.release();
            });
        }
        wrapped.release();
        try {
            if (!done.await(timeoutMillis, TimeUnit.MILLISECONDS)) {
                throw new IOException((receivers.size() - done.getCount()) + " of " + receivers.size()
                        + " Netty ends received their " + chunks + " MiB within " + timeoutMillis + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during a round", e);
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        NettyClient.await(group.shutdownGracefully(0, 0, TimeUnit.SECONDS), "event loop shutdown");
    }

    /** Counts the bytes of a round arriving on one channel and releases every buffer. */
    private static final class Counter extends ChannelInboundHandlerAdapter {
        private volatile long expected;
        private volatile CountDownLatch done;
        private volatile long received;

        void expect(long bytes, CountDownLatch latch) {
            // Set before any chunk of the round is written: the write tasks publish it to the event loop.
            received = 0;
            expected = bytes;
            done = latch;
        }

        @Override
        public void channelRead(ChannelHandlerContext context, Object message) {
            try {
                received += ((ByteBuf) message).readableBytes();
            } finally {
                ReferenceCountUtil.release(message);
            }
            if (received == expected) {
                done.countDown();
            }
        }
    }
}
