package dev.zerocopy.benchmarks;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * Netty 4.2's three transports on Linux, the peer this library is compared with: the JDK's
 * selector (NIO), epoll and io_uring (both native, from the linux-x86_64 jars). A native
 * transport that does not load on this machine fails its benchmark with Netty's own reason.
 */
public enum NettyTransport {
    /** Netty over the JDK's {@code Selector}. */
    NIO,
    /** Netty's native epoll transport. */
    EPOLL,
    /** Netty's native io_uring transport. */
    IO_URING;

    /** Returns an event loop group of {@code threads} threads of this transport, after checking it loads. */
    EventLoopGroup group(int threads) {
        requireAvailable();
        return new MultiThreadIoEventLoopGroup(threads, handlers());
    }

    private IoHandlerFactory handlers() {
        return switch (this) {
            case NIO -> NioIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
        };
    }

    /** Returns the class of this transport's client sockets. */
    Class<? extends SocketChannel> socketChannel() {
        return switch (this) {
            case NIO -> NioSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case IO_URING -> IoUringSocketChannel.class;
        };
    }

    /** Returns the class of this transport's listening sockets. */
    Class<? extends ServerChannel> serverChannel() {
        return switch (this) {
            case NIO -> NioServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case IO_URING -> IoUringServerSocketChannel.class;
        };
    }

    /** Throws, with Netty's reason as the cause, if this transport does not load here. */
    void requireAvailable() {
        Throwable cause = switch (this) {
            case NIO -> null;
            case EPOLL -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
            case IO_URING -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
        };
        if (cause != null) {
            throw new IllegalStateException("Netty's " + this + " transport does not load on this machine ("
                    + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", "
                    + System.getProperty("os.arch") + "): " + cause, cause);
        }
    }

    /**
     * Names the transports that load here and why the others do not, for a run's log.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        for (NettyTransport transport : values()) {
            try {
                transport.requireAvailable();
                System.out.println(transport + ": loads");
            } catch (IllegalStateException e) {
                System.out.println(transport + ": " + e.getMessage());
            }
        }
    }
}
