package dev.zerocopy.samples.load;

import dev.zerocopy.ByteView;
import dev.zerocopy.Frames;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for {@code arrays serve} in its framed form: each connection gets one frame
 * (8-byte big-endian length, then the doubles) and is closed. Blocking, one thread, on
 * 127.0.0.1.
 */
final class FrameServer implements AutoCloseable {

    private final ServerSocketChannel listener;
    private final Thread thread;
    private final AtomicLong served = new AtomicLong();

    FrameServer(ByteView payload) throws IOException {
        listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0), 512);
        thread = new Thread(() -> {
            while (true) {
                try (SocketChannel connection = listener.accept()) {
                    Frames.sendFrame(connection, payload);
                    served.incrementAndGet();
                } catch (ClosedChannelException closed) {
                    return;
                } catch (IOException clientLeft) {
                    // the next connection is served all the same
                }
            }
        }, "frame-server");
        thread.start();
    }

    int port() throws IOException {
        return ((InetSocketAddress) listener.getLocalAddress()).getPort();
    }

    /** Frames sent whole so far. */
    long served() {
        return served.get();
    }

    @Override
    public void close() throws IOException {
        listener.close();
        try {
            thread.join(10_000);
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
