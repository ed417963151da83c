package dev.zerocopy.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-process TCP proxy on 127.0.0.1 that forwards each connection to a target and
 * injects faults into either direction: writes fragmented to one byte, a delay before
 * every write, a stall, a half-close or a reset after a given number of bytes. This
 * kernel has no netem; this is the fault injector of the transfer contract tests of
 * core and the Ktor adapter (shared through core's test-jar).
 *
 * <p>Each accepted connection gets two pump threads, one per direction; a pump reads
 * what arrives and writes it on, applying that direction's {@link Faults}. Sleeping in
 * a pump is the fault itself (a slow network), never synchronisation. {@link #close()}
 * closes the listener and every connection.
 */
public final class FaultProxy implements AutoCloseable {

    /** Which way bytes flow through the proxy. */
    public enum Direction {
        /** From the connecting client to the target. */
        TO_TARGET,
        /** From the target back to the client. */
        TO_CLIENT
    }

    /** What happens to the bytes of one direction. Immutable; build with the {@code with} methods. */
    public record Faults(boolean oneByteWrites, long delayMillis, long stallAfter, long stallMillis,
            long halfCloseAfter, long resetAfter) {

        /** Bytes pass as they arrive. */
        public static final Faults NONE = new Faults(false, 0, -1, 0, -1, -1);

        /** Writes every byte on its own, with Nagle off, so the peer sees 1-byte segments. */
        public Faults withOneByteWrites() {
            return new Faults(true, delayMillis, stallAfter, stallMillis, halfCloseAfter, resetAfter);
        }

        /** Sleeps {@code millis} before every write. */
        public Faults withDelay(long millis) {
            return new Faults(oneByteWrites, millis, stallAfter, stallMillis, halfCloseAfter, resetAfter);
        }

        /** Forwards nothing for {@code millis} once {@code after} bytes have passed, then goes on. */
        public Faults withStall(long after, long millis) {
            return new Faults(oneByteWrites, delayMillis, after, millis, halfCloseAfter, resetAfter);
        }

        /** Once {@code after} bytes have passed, ends this direction with a FIN (shutdownOutput); the other goes on. */
        public Faults withHalfClose(long after) {
            return new Faults(oneByteWrites, delayMillis, stallAfter, stallMillis, after, resetAfter);
        }

        /** Once {@code after} bytes have passed, resets both connections (RST to client and target). */
        public Faults withReset(long after) {
            return new Faults(oneByteWrites, delayMillis, stallAfter, stallMillis, halfCloseAfter, after);
        }

        /** The byte count at which the next fault fires, or -1. */
        long nextStop(long passed, boolean stalled) {
            long stop = -1;
            for (long at : new long[] {stalled ? -1 : stallAfter, halfCloseAfter, resetAfter}) {
                if (at >= passed && (stop < 0 || at < stop)) {
                    stop = at;
                }
            }
            return stop;
        }
    }

    private final ServerSocket listener;
    private final InetSocketAddress target;
    private final Faults toTarget;
    private final Faults toClient;
    private final Thread acceptor;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> pumps = new CopyOnWriteArrayList<>();
    private final AtomicLong forwardedToTarget = new AtomicLong();
    private final AtomicLong forwardedToClient = new AtomicLong();

    private FaultProxy(InetSocketAddress target, Faults toTarget, Faults toClient) throws IOException {
        this.target = Objects.requireNonNull(target, "target");
        this.toTarget = Objects.requireNonNull(toTarget, "toTarget");
        this.toClient = Objects.requireNonNull(toClient, "toClient");
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.acceptor = new Thread(this::acceptLoop, "fault-proxy-accept");
        acceptor.setDaemon(true);
        acceptor.start();
    }

    /**
     * Starts a proxy to {@code target} on an ephemeral loopback port.
     *
     * @param toTarget the faults of the client-to-target direction
     * @param toClient the faults of the target-to-client direction
     */
    public static FaultProxy start(InetSocketAddress target, Faults toTarget, Faults toClient) throws IOException {
        return new FaultProxy(target, toTarget, toClient);
    }

    /** Starts a proxy with {@code faults} in {@code direction} and none in the other. */
    public static FaultProxy start(InetSocketAddress target, Direction direction, Faults faults) throws IOException {
        return direction == Direction.TO_TARGET
                ? start(target, faults, Faults.NONE)
                : start(target, Faults.NONE, faults);
    }

    /** The address clients connect to. */
    public InetSocketAddress address() {
        return (InetSocketAddress) listener.getLocalSocketAddress();
    }

    /** The bytes forwarded so far in {@code direction}, over all connections. */
    public long forwarded(Direction direction) {
        return (direction == Direction.TO_TARGET ? forwardedToTarget : forwardedToClient).get();
    }

    private void acceptLoop() {
        while (!listener.isClosed()) {
            try {
                Socket client = listener.accept();
                Socket server = new Socket();
                sockets.add(client);
                sockets.add(server);
                server.connect(target, 10_000);
                pump(client, server, toTarget, forwardedToTarget, "to-target");
                pump(server, client, toClient, forwardedToClient, "to-client");
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void pump(Socket from, Socket to, Faults faults, AtomicLong forwarded, String name) throws IOException {
        if (faults.oneByteWrites()) {
            to.setTcpNoDelay(true);
        }
        Thread pump = new Thread(() -> {
            try {
                forward(from, to, faults, forwarded);
            } catch (IOException | InterruptedException ended) {
                // A reset or close on either side ends the pump; the test looks at what arrived.
            }
        }, "fault-proxy-" + name);
        pump.setDaemon(true);
        pumps.add(pump);
        pump.start();
    }

    private void forward(Socket from, Socket to, Faults faults, AtomicLong forwarded)
            throws IOException, InterruptedException {
        InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream();
        byte[] buffer = new byte[16 << 10];
        long passed = 0;
        boolean stalled = false;
        while (true) {
            long stop = faults.nextStop(passed, stalled);
            if (stop == passed) {
                if (stop == faults.resetAfter()) {
                    reset(from, to);
                    return;
                }
                if (stop == faults.halfCloseAfter()) {
                    to.shutdownOutput();
                    return;
                }
                TimeUnit.MILLISECONDS.sleep(faults.stallMillis());
                stalled = true;
                continue;
            }
            int want = stop < 0 ? buffer.length : (int) Math.min(buffer.length, stop - passed);
            int read = in.read(buffer, 0, want);
            if (read < 0) {
                to.shutdownOutput();
                return;
            }
            if (faults.delayMillis() > 0) {
                TimeUnit.MILLISECONDS.sleep(faults.delayMillis());
            }
            if (faults.oneByteWrites()) {
                for (int i = 0; i < read; i++) {
                    out.write(buffer, i, 1);
                    forwarded.incrementAndGet();
                }
            } else {
                out.write(buffer, 0, read);
                forwarded.addAndGet(read);
            }
            passed += read;
        }
    }

    private static void reset(Socket... both) throws IOException {
        for (Socket socket : both) {
            try {
                socket.setSoLinger(true, 0);
                socket.close();
            } catch (SocketException alreadyClosed) {
                // the other pump reset it first
            }
        }
    }

    /** Closes the listener and every connection, and waits for the proxy's threads to end. */
    @Override
    public void close() throws IOException, InterruptedException {
        listener.close();
        List<IOException> failures = new ArrayList<>();
        for (Socket socket : sockets) {
            try {
                socket.close();
            } catch (IOException e) {
                failures.add(e);
            }
        }
        acceptor.join(10_000);
        for (Thread pump : pumps) {
            pump.join(10_000);
        }
        if (!failures.isEmpty()) {
            throw failures.get(0);
        }
    }
}
