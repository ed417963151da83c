package dev.zerocopy.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/** The rule by which automatic file transfers choose between zero-copy and the copy loop. */
public final class FileModes {

    private FileModes() {
    }

    /** Returns why a send to {@code target} should use the copy loop, or null for zero-copy. */
    public static String whyNotZeroCopySend(WritableByteChannel target) {
        if (!isJdkChannel(target)) {
            return describe(target) + " is not a JDK channel: transferTo would emulate itself"
                    + " with an 8 KiB heap buffer";
        }
        if (target instanceof FileChannel) {
            return null;
        }
        if (target instanceof Pipe.SinkChannel) {
            return "a pipe stays on this machine, where the 1 MiB copy loop measured faster than transferTo";
        }
        if (target instanceof SocketChannel socket) {
            SocketAddress peer = remoteAddress(socket);
            if (peer instanceof UnixDomainSocketAddress) {
                return "the peer " + peer + " is a Unix-domain socket on this machine, where the 1 MiB copy"
                        + " loop measured faster than transferTo";
            }
            if (peer instanceof InetSocketAddress inet && inet.getAddress() != null && isThisMachine(socket, inet)) {
                return "the peer " + inet + " is on loopback, where the 1 MiB copy loop measured faster"
                        + " than transferTo";
            }
            return null;
        }
        return target.getClass().getName() + " is a JDK channel that transferTo does not reach directly";
    }

    /** Returns why a receive from {@code source} should use the copy loop, or null for zero-copy. */
    public static String whyNotZeroCopyReceive(ReadableByteChannel source) {
        if (!isJdkChannel(source)) {
            return describe(source) + " is not a JDK channel: transferFrom would emulate itself with an 8 KiB"
                    + " heap buffer";
        }
        if (source instanceof FileChannel) {
            return null;
        }
        return "transferFrom from a " + source.getClass().getName() + " is an 8 KiB copy loop inside the JDK"
                + " and cannot tell the end of stream from an empty channel";
    }

    /**
     * A channel's own description where its class gives one (an adapter's channel says
     * what it wraps), else its class name.
     */
    private static String describe(Channel channel) {
        try {
            if (channel.getClass().getMethod("toString").getDeclaringClass() != Object.class) {
                return channel.toString();
            }
        } catch (NoSuchMethodException | RuntimeException unusable) {
            // a toString that fails must not fail the transfer; the class name will do
        }
        return channel.getClass().getName();
    }

    /** The JDK's own channels are the ones its transferTo can hand to the kernel. */
    private static boolean isJdkChannel(Channel channel) {
        return channel.getClass().getModule() == Object.class.getModule();
    }

    /** Loopback, or a connection from this machine's own address to itself (its LAN address, say). */
    private static boolean isThisMachine(SocketChannel socket, InetSocketAddress peer) {
        if (peer.getAddress().isLoopbackAddress()) {
            return true;
        }
        try {
            return socket.getLocalAddress() instanceof InetSocketAddress local
                    && peer.getAddress().equals(local.getAddress());
        } catch (IOException closed) {
            return false;
        }
    }

    private static SocketAddress remoteAddress(SocketChannel socket) {
        try {
            return socket.getRemoteAddress();
        } catch (IOException notConnected) {
            return null;
        }
    }
}
