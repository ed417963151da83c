package dev.zerocopy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A TCP peer that writes back every byte it reads, one thread per connection,
 * with plain blocking channel calls (none of the library's code, so it checks the
 * library from outside). Runs in the test JVM for loopback, or as its own process
 * inside a network namespace: {@code java dev.zerocopy.EchoPeer ADDRESS}, which
 * prints the port it listens on and serves until its standard input closes.
 */
final class EchoPeer implements AutoCloseable {

    private final ServerSocketChannel listener;
    private final ExecutorService threads;

    private EchoPeer(InetAddress address) throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(address, 0), 4096);
        threads = VirtualThreads.available() ? VirtualThreads.perTaskExecutor() : Executors.newCachedThreadPool();
        Thread acceptor = new Thread(this::accept, "echo-peer-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static EchoPeer start(InetAddress address) throws IOException {
        return new EchoPeer(address);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel connection = listener.accept();
                threads.execute(() -> echo(connection));
            }
        } catch (IOException closed) {
            // the peer is shutting down
        }
    }

    private static void echo(SocketChannel connection) {
        try (connection) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(16 << 10);
            while (connection.read(buffer.clear()) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    connection.write(buffer);
                }
            }
        } catch (IOException reset) {
            // the other side closed or reset; nothing to echo
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        threads.shutdownNow();
    }

    public static void main(String[] args) throws IOException {
        try (EchoPeer peer = start(InetAddress.getByName(args[0]))) {
            System.out.println(peer.address().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until the test closes our standard input
            }
        }
    }
}
