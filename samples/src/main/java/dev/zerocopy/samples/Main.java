package dev.zerocopy.samples;

import dev.zerocopy.ByteView;
import dev.zerocopy.ZeroCopy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.DoubleBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The seed recipe end to end over loopback: a server sends
 * {@code arange(0.0, 50_000_000.0)} as 400 MB of native-order doubles from one
 * {@link ByteView}; a client receives them into a preallocated view and prints
 * {@code a[0:10]}, the last element, the byte count, the time and the rate.
 */
public final class Main {

    private Main() {
    }

    /**
     * Runs the transfer. An optional first argument sets the number of doubles.
     *
     * @param args {@code [count]}
     * @throws Exception if the transfer fails
     */
    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 50_000_000;
        if (count < 1 || count > Integer.MAX_VALUE / Double.BYTES) {
            throw new IllegalArgumentException("count must be between 1 and " + Integer.MAX_VALUE / Double.BYTES
                    + " doubles, was " + count);
        }
        ByteView sent = ByteView.allocateDirect(count * Double.BYTES);
        DoubleBuffer a = sent.asDoubles();
        for (int i = 0; i < count; i++) {
            a.put(i, i);
        }
        ByteView received = ByteView.allocateDirect(sent.size());

        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            CompletableFuture<Long> server = CompletableFuture.supplyAsync(() -> serve(listener, sent));
            try (SocketChannel client = SocketChannel.open(listener.getLocalAddress())) {
                long start = System.nanoTime();
                long bytes = ZeroCopy.recvInto(client, received);
                long nanos = System.nanoTime() - start;
                server.join();
                print(received.asDoubles(), bytes, nanos);
            }
        }
    }

    private static long serve(ServerSocketChannel listener, ByteView view) {
        try (SocketChannel connection = listener.accept()) {
            return ZeroCopy.sendFrom(connection, view);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void print(DoubleBuffer a, long bytes, long nanos) {
        double[] head = new double[Math.min(10, a.capacity())];
        a.get(0, head);
        double seconds = nanos / 1e9;
        System.out.println("a[0:10] = " + Arrays.toString(head));
        System.out.println("a[-1]   = " + a.get(a.capacity() - 1));
        System.out.printf(Locale.ROOT, "%,d bytes in %.3f s = %.2f GiB/s over 127.0.0.1%n",
                bytes, seconds, bytes / seconds / (1L << 30));
    }
}
