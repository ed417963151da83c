package dev.zerocopy.benchmarks;

import dev.zerocopy.benchmarks.ktor.KtorPaths;
import io.ktor.network.selector.SelectorManager;
import io.ktor.network.sockets.Socket;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;

/**
 * A Ktor socket, on a selector of its own, connected over 127.0.0.1 to a plain blocking
 * NIO channel. The NIO end is driven by a {@link Peer} with the same loop whichever path
 * the Ktor end measures, so only the Ktor end differs between variants.
 */
final class KtorToNio implements Closeable {

    final SelectorManager selector;
    final Socket socket;
    final SocketChannel peerEnd;

    private KtorToNio(SelectorManager selector, Socket socket, SocketChannel peerEnd) {
        this.selector = selector;
        this.socket = socket;
        this.peerEnd = peerEnd;
    }

    static KtorToNio open(long timeoutMillis) throws IOException {
        SelectorManager selector = KtorPaths.selector();
        try (ServerSocketChannel listener = Loopback.listen()) {
            int port = ((InetSocketAddress) listener.getLocalAddress()).getPort();
            Socket socket = KtorPaths.connect(selector, port, timeoutMillis);
            try {
                return new KtorToNio(selector, socket, listener.accept());
            } catch (IOException e) {
                socket.close();
                throw e;
            }
        } catch (IOException | RuntimeException e) {
            selector.close();
            throw e;
        }
    }

    @Override
    public void close() throws IOException {
        // The socket before the selector it is registered with.
        Loopback.closeAll(socket, peerEnd, selector);
    }
}
