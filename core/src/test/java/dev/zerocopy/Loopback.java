package dev.zerocopy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/** A connected pair of TCP sockets on 127.0.0.1; closing the pair closes both ends. */
final class Loopback implements AutoCloseable {

    final SocketChannel client;
    final SocketChannel server;

    private Loopback(SocketChannel client, SocketChannel server) {
        this.client = client;
        this.server = server;
    }

    static Loopback open() throws IOException {
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            SocketChannel client = SocketChannel.open(listener.getLocalAddress());
            return new Loopback(client, listener.accept());
        }
    }

    /** Puts both ends in non-blocking mode. */
    Loopback nonBlocking() throws IOException {
        client.configureBlocking(false);
        server.configureBlocking(false);
        return this;
    }

    @Override
    public void close() throws IOException {
        try (client; server) {
            // both closed, even if one close throws
        }
    }
}
