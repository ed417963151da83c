package dev.zerocopy.benchmarks;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ExecutorService;

/**
 * A peer that reads and discards everything sent to it, one thread per connection:
 * the far end of {@link FileModeHarness}, started inside a network namespace by
 * {@code benchmarks/vt-harness.sh}. {@code DrainPeer ADDRESS} prints the port it
 * listens on and serves until its standard input closes.
 */
public final class DrainPeer implements AutoCloseable {

    private final ServerSocketChannel listener;
    private final ExecutorService threads = Harness.threadPerTask();

    private DrainPeer(InetAddress address) throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress(address, 0), 1024);
        Thread acceptor = new Thread(this::accept, "drain-peer-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    static DrainPeer start(InetAddress address) throws IOException {
        return new DrainPeer(address);
    }

    InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    private void accept() {
        try {
            while (true) {
                SocketChannel connection = listener.accept();
                threads.execute(() -> drain(connection));
            }
        } catch (IOException closed) {
            // shutting down
        }
    }

    private static void drain(SocketChannel connection) {
        try (connection) {
            // Direct, so the kernel copies straight into it; 256 KiB, pre-touched by allocateDirect.
            ByteBuffer buffer = ByteBuffer.allocateDirect(256 << 10);
            while (connection.read(buffer.clear()) >= 0) {
                // discard
            }
        } catch (IOException reset) {
            // the sender closed
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        threads.shutdownNow();
    }

    /**
     * Runs the peer.
     *
     * @param args the address to listen on
     * @throws IOException if it cannot listen
     */
    public static void main(String[] args) throws IOException {
        try (DrainPeer peer = start(InetAddress.getByName(args[0]))) {
            System.out.println(peer.address().getPort());
            System.out.flush();
            while (System.in.read() >= 0) {
                // serve until standard input closes
            }
        }
    }
}
