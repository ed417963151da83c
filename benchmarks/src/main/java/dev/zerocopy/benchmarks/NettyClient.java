package dev.zerocopy.benchmarks;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * One Netty client connection on 127.0.0.1, on an event loop group of one thread of its own,
 * connected to a plain listener of the benchmark's; its far end is then whatever the benchmark
 * accepts, so Netty works against the same receiver as the library's paths.
 */
final class NettyClient implements Closeable {

    final EventLoopGroup group;
    final Channel channel;

    private NettyClient(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /**
     * Connects to {@code address} with {@code transport}; {@code handler} (may be null) reads
     * what arrives. Socket buffers are left to the kernel, as for every other path.
     */
    static NettyClient connect(NettyTransport transport, InetSocketAddress address, ChannelHandler handler)
            throws IOException {
        EventLoopGroup group = transport.group(1);
        try {
            ChannelFuture connected = new Bootstrap().group(group).channel(transport.socketChannel())
                    .option(ChannelOption.TCP_NODELAY, true)
                    .handler(handler == null ? new ChannelInboundHandlerAdapter() : handler)
                    .connect(address);
            await(connected, "connect to " + address);
            return new NettyClient(group, connected.channel());
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    /** Waits for a Netty future at most {@link Peer#TIMEOUT_SECONDS}, failing with what did not finish. */
    static void await(io.netty.util.concurrent.Future<?> future, String what) throws IOException {
        boolean done;
        try {
            done = future.await(Peer.TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted waiting for Netty: " + what, e);
        }
        if (!done) {
            throw new IOException("Netty: " + what + " did not finish within " + Peer.TIMEOUT_SECONDS + " s");
        }
        if (!future.isSuccess()) {
            throw new IOException("Netty: " + what + " failed", future.cause());
        }
    }

    @Override
    public void close() throws IOException {
        try {
            await(channel.close(), "close");
        } finally {
            await(group.shutdownGracefully(0, 0, TimeUnit.SECONDS), "event loop shutdown");
        }
    }
}
