package dev.zerocopy.samples.files;

import dev.zerocopy.ByteView;
import dev.zerocopy.FileOptions;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.Frames;
import dev.zerocopy.ZeroCopy;
import dev.zerocopy.samples.AcceptFailures;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.function.Consumer;
import kotlin.Unit;

/**
 * A blocking file server, one virtual thread per connection: plain blocking channels,
 * no selector, no callbacks. A client sends a frame holding a file name; the server
 * answers with a frame of the file's bytes, sent by {@link ZeroCopy#sendFile} (header
 * first, then the file by zero-copy or the copy loop, as the options say), and prints
 * the mode that ran. Each request has a deadline: a client that stops reading has its
 * connection closed when it passes, and the server logs the bytes it got.
 */
public final class FileServer implements AutoCloseable {

    private final Path root;
    private final FileOptions options;
    private final Consumer<String> log;
    private final ServerSocketChannel listener;
    private final ExecutorService threads = VirtualThreads.perTask();

    /**
     * Listens on {@code address} and serves the regular files directly in {@code root}.
     *
     * @param root the directory served
     * @param address where to listen (port 0 picks one)
     * @param options the file mode and the deadline of each response
     * @param log takes one line per request: the file, its bytes and the mode that ran
     * @throws IOException if it cannot listen
     */
    public FileServer(Path root, InetSocketAddress address, FileOptions options, Consumer<String> log) throws IOException {
        this.root = root;
        this.options = options;
        this.log = log;
        // Out of descriptors, a first close would fail to initialise the JDK's close path for good.
        AcceptFailures.warmClosePath();
        this.listener = ServerSocketChannel.open().bind(address, 1024);
        threads.execute(this::acceptLoop);
    }

    /**
     * Returns the address the server listens on.
     *
     * @return the bound address
     * @throws IOException if the listener is closed
     */
    public InetSocketAddress address() throws IOException {
        return (InetSocketAddress) listener.getLocalAddress();
    }

    /**
     * Accepts until {@link #close()} closes the listener. A failed accept on an open listener
     * (out of descriptors, typically) backs off and tries again, logged once per burst, instead
     * of ending the loop with the listener still bound and nobody accepting.
     */
    private void acceptLoop() {
        AcceptFailures failures = new AcceptFailures(line -> {
            log.accept(line);
            return Unit.INSTANCE;
        });
        try {
            while (true) {
                SocketChannel connection;
                try {
                    connection = listener.accept();
                } catch (ClosedChannelException closed) {
                    return; // close() ends the loop
                } catch (IOException failed) {
                    Thread.sleep(failures.failed(failed));
                    continue;
                }
                failures.accepted();
                threads.execute(() -> serve(connection));
            }
        } catch (InterruptedException interrupted) {
            // close() interrupts a back-off: serving ends as if closed.
        }
    }

    private void serve(SocketChannel connection) {
        try (connection) {
            // Requests are small: a name of at most 1 KiB, with a deadline of its own.
            ByteView request = Frames.recvFrame(connection, 1024, ByteView::allocate, Duration.ofSeconds(10));
            String name = StandardCharsets.UTF_8.decode(request.buffer()).toString();
            Path file = root.resolve(name).normalize();
            // An empty answer means "no such file", so empty files are not served.
            if (!root.normalize().equals(file.getParent()) || !Files.isRegularFile(file) || Files.size(file) == 0) {
                ZeroCopy.sendFrom(connection, Frames.header(0));
                log.accept("refused " + name + ": not a non-empty file in " + root);
                return;
            }
            long size = Files.size(file);
            ZeroCopy.sendFrom(connection, Frames.header(size));
            FileTransfer sent = ZeroCopy.sendFile(file, connection, 0, size, options);
            log.accept("sent " + name + ": " + sent.transferred() + " bytes, " + sent.mode() + " ("
                    + sent.zeroCopied() + " zero-copy, " + sent.copied() + " copied)"
                    + (sent.autoReason() == null ? "" : "; " + sent.autoReason()));
        } catch (IOException failed) {
            log.accept("connection ended: " + failed.getMessage());
        }
    }

    /** Stops accepting and interrupts the connections still being served. */
    @Override
    public void close() throws IOException {
        listener.close();
        threads.shutdownNow();
    }
}
