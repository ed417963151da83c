package dev.zerocopy.benchmarks;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A connected pair of blocking NIO socket channels on 127.0.0.1, both ends in this JVM.
 * Socket buffer sizes are left to the kernel's autotuning, as iperf3 and the Python
 * references leave them.
 */
final class Loopback implements Closeable {

    /** Every benchmark socket binds here: loopback only. */
    static final InetAddress ADDRESS = loopbackAddress();

    final SocketChannel client;
    final SocketChannel server;

    private Loopback(SocketChannel client, SocketChannel server) {
        this.client = client;
        this.server = server;
    }

    /** Opens a listener on an ephemeral port, connects to it, accepts, and closes the listener. */
    static Loopback open() throws IOException {
        try (ServerSocketChannel listener = listen()) {
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            try {
                return new Loopback(client, listener.accept());
            } catch (IOException e) {
                client.close();
                throw e;
            }
        }
    }

    /** Opens a blocking listener on 127.0.0.1 and an ephemeral port. */
    static ServerSocketChannel listen() throws IOException {
        ServerSocketChannel listener = ServerSocketChannel.open();
        try {
            listener.bind(new InetSocketAddress(ADDRESS, 0));
            return listener;
        } catch (IOException e) {
            listener.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        closeAll(client, server);
    }

    /** Closes every resource, in order, then throws the first failure with the others suppressed. */
    static void closeAll(Closeable... resources) throws IOException {
        IOException failure = null;
        for (Closeable resource : resources) {
            try {
                resource.close();
            } catch (IOException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static InetAddress loopbackAddress() {
        try {
            // Named by its bytes: getLoopbackAddress() may answer ::1 on an IPv6-preferring JVM.
            return InetAddress.getByAddress("127.0.0.1", new byte[] {127, 0, 0, 1});
        } catch (IOException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
