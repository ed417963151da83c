package dev.zerocopy.internal;

import dev.zerocopy.FallbackCode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.Channel;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/**
 * What automatic file transfers know before measuring: which channels zero-copy cannot
 * serve well, and which class of peer a socket reaches ({@link Calibration} decides the rest).
 */
public final class FileModes {

    private FileModes() {
    }

    /**
     * Returns why a send to {@code target} cannot use zero-copy well whatever the measurements
     * say, or null if it can (then {@link #peerClass} says whose measurements decide).
     */
    public static String whyNotZeroCopySend(WritableByteChannel target) {
        FallbackCode code = sendRefusal(target);
        if (code == null) {
            return null;
        }
        return code == FallbackCode.NOT_A_JDK_CHANNEL
                ? describe(target) + " is not a JDK channel: transferTo would emulate itself with an 8 KiB heap buffer"
                : target.getClass().getName() + " is a JDK channel that transferTo does not reach directly";
    }

    /**
     * Returns the code of {@link #whyNotZeroCopySend}'s reason for {@code target}, or null where
     * that returns null.
     */
    public static FallbackCode sendRefusal(WritableByteChannel target) {
        if (!isJdkChannel(target)) {
            return FallbackCode.NOT_A_JDK_CHANNEL;
        }
        if (target instanceof FileChannel || target instanceof Pipe.SinkChannel || target instanceof SocketChannel) {
            return null;
        }
        return FallbackCode.UNSUPPORTED_JDK_CHANNEL;
    }

    /**
     * Returns the code of {@link #whyNotZeroCopyReceive}'s reason for {@code source}, or null where
     * that returns null.
     */
    public static FallbackCode receiveRefusal(ReadableByteChannel source) {
        if (!isJdkChannel(source)) {
            return FallbackCode.NOT_A_JDK_CHANNEL;
        }
        return source instanceof FileChannel ? null : FallbackCode.STREAM_RECEIVE;
    }

    /**
     * Returns the class of peer whose measurements decide a send to {@code target}, or null for
     * a file, which zero-copy always serves best (the kernel copies between files without a socket).
     */
    public static Calibration.PeerClass peerClass(WritableByteChannel target) {
        if (target instanceof SocketChannel socket) {
            SocketAddress peer = remoteAddress(socket);
            if (peer instanceof InetSocketAddress inet && inet.getAddress() != null && !isThisMachine(socket, inet)) {
                return Calibration.PeerClass.REMOTE;
            }
            return Calibration.PeerClass.LOCAL;
        }
        return target instanceof Pipe.SinkChannel ? Calibration.PeerClass.LOCAL : null;
    }

    /** Returns why a receive from {@code source} should use the copy loop, or null for zero-copy. */
    public static String whyNotZeroCopyReceive(ReadableByteChannel source) {
        FallbackCode code = receiveRefusal(source);
        if (code == null) {
            return null;
        }
        if (code == FallbackCode.NOT_A_JDK_CHANNEL) {
            return describe(source) + " is not a JDK channel: transferFrom would emulate itself with an 8 KiB"
                    + " heap buffer";
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
