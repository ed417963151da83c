package dev.zerocopy.ktor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.zerocopy.ByteView;
import io.ktor.network.selector.SelectorManager;
import io.ktor.network.sockets.InetSocketAddress;
import io.ktor.network.sockets.ServerSocket;
import io.ktor.network.sockets.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connected pair of Ktor sockets on 127.0.0.1, made the way Java callers make them
 * (through {@link SocketFutures}, no coroutines); closing it closes both, the listener
 * and the selector.
 */
final class JavaLoopback implements AutoCloseable {
    final SelectorManager selector = SocketFutures.selectorManager();
    final ServerSocket listener;
    final Socket client;
    final Socket server;

    JavaLoopback() throws Exception {
        listener = SocketFutures.bind(selector, new InetSocketAddress("127.0.0.1", 0)).get(30, TimeUnit.SECONDS);
        CompletableFuture<Socket> accepted = SocketFutures.accept(listener);
        client = SocketFutures.connect(selector, listener.getLocalAddress()).get(30, TimeUnit.SECONDS);
        server = accepted.get(30, TimeUnit.SECONDS);
    }

    /**
     * Checks that {@code listener} still accepts: a new connection to it is accepted and
     * carries one frame from client to server.
     */
    static void assertAccepting(SelectorManager selector, ServerSocket listener) throws Exception {
        CompletableFuture<Socket> accepted = SocketFutures.accept(listener);
        try (Socket client = SocketFutures.connect(selector, listener.getLocalAddress()).get(30, TimeUnit.SECONDS);
             Socket server = accepted.get(30, TimeUnit.SECONDS)) {
            SocketFutures.sendFrame(client, ByteView.wrap(new byte[] {42})).get(30, TimeUnit.SECONDS);
            assertEquals(ByteView.wrap(new byte[] {42}), SocketFutures.recvFrame(server, 16).get(30, TimeUnit.SECONDS));
        }
    }

    @Override
    public void close() throws Exception {
        client.close();
        server.close();
        listener.close();
        selector.close();
    }
}
