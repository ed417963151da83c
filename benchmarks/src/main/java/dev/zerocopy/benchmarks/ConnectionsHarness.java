package dev.zerocopy.benchmarks;

import dev.zerocopy.ByteView;
import dev.zerocopy.ZeroCopy;
import dev.zerocopy.benchmarks.ktor.KtorConnections;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/*
 * Measures: aggregate throughput and process CPU per GiB of `--connections` concurrent loopback
 * connections (both ends in this JVM, so 2 x connections sockets), each moving
 * `--chunks` x 1 MiB from its client end to its server end (and, with `--ways 2`, as much from
 * its server end to its client end at the same time), driven these ways doing the same work:
 *   core-vt: ZeroCopy.sendFrom / ZeroCopy.recvInto on blocking SocketChannels, one virtual
 *            thread per direction and end (JDK 21+);
 *   ktor:    the adapter's Socket.sendFrom / Socket.recvInto, one coroutine per direction and end
 *            on Dispatchers.Default over one Ktor selector (ConcurrencyBenchmark's KtorConnections);
 *   netty-nio, netty-epoll, netty-io_uring: Netty 4.2 channels on both ends, one event loop group
 *            of Netty's default size, a wrapped direct chunk written, received bytes counted and
 *            released (NettyConnections).
 * The library's receivers land in 256 pre-touched 1 MiB slots shared round-robin, as in
 * ConcurrencyBenchmark; Netty's land in its pooled buffers.
 * One warm-up round, then `--rounds` measured rounds; medians. Set up outside the measured
 * region: the connections (9,000 connections are 18,000 descriptors of the limit of 20,000, so
 * run one driver per JVM), the chunk and the slots.
 * Usage: java -cp benchmarks.jar dev.zerocopy.benchmarks.ConnectionsHarness
 *            --driver core-vt|ktor|netty-nio|netty-epoll|netty-io_uring --connections 2000 [--chunks 1]
 *            [--ways 1|2] [--rounds 3]
 */
public final class ConnectionsHarness {

    private static final int CHUNK = 1 << 20;
    private static final int SLOTS = 256;
    private static final long TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(5);

    private ConnectionsHarness() {
    }

    /**
     * Runs the harness and prints one Markdown table row.
     *
     * @param args see the class comment
     * @throws Exception if a round fails
     */
    public static void main(String[] args) throws Exception {
        String driver = "core-vt";
        int connections = 2000;
        int chunks = 1;
        int rounds = 3;
        int ways = 1;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--driver" -> driver = args[i + 1];
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--chunks" -> chunks = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--ways" -> ways = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (driver.equals("core-vt") && !Harness.virtualThreads()) {
            throw new IllegalStateException("core-vt needs JDK 21+ for virtual threads; this is " + Runtime.version());
        }
        if (ways != 1 && ways != 2) {
            throw new IllegalArgumentException("--ways is 1 or 2, was " + ways);
        }
        boolean bothWays = ways == 2;
        ByteView writable = ByteView.allocateDirect(CHUNK);
        ByteView chunk = writable.readOnly();
        ByteView area = ByteView.allocateDirect(Math.min(connections, SLOTS) * CHUNK);
        List<ByteView> slots = new ArrayList<>();
        for (int i = 0; i < Math.min(connections, SLOTS); i++) {
            slots.add(area.slice(i * CHUNK, (i + 1) * CHUNK));
        }
        Round round = switch (driver) {
            case "ktor" -> ktor(connections, bothWays);
            case "core-vt" -> coreOnVirtualThreads(connections, bothWays);
            case "netty-nio" -> netty(NettyTransport.NIO, connections, bothWays, writable);
            case "netty-epoll" -> netty(NettyTransport.EPOLL, connections, bothWays, writable);
            case "netty-io_uring" -> netty(NettyTransport.IO_URING, connections, bothWays, writable);
            default -> throw new IllegalArgumentException("unknown driver " + driver);
        };
        try {
            long bytes = (long) ways * connections * chunks * CHUNK;
            round.run(chunks, chunk, slots);
            double[] rate = new double[rounds];
            double[] cpu = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                long wallStart = System.nanoTime();
                long cpuStart = Harness.processCpuNanos();
                round.run(chunks, chunk, slots);
                rate[r] = Harness.gib(bytes) / ((System.nanoTime() - wallStart) / 1e9);
                cpu[r] = ((Harness.processCpuNanos() - cpuStart) / 1e9) / Harness.gib(bytes);
            }
            System.out.printf(Locale.ROOT, "| %s | %,d | %d MiB%s | %.2f | %.2f | %.2f-%.2f |%n", driver, connections,
                    chunks, bothWays ? " each way" : "", Harness.median(rate), Harness.median(cpu), min(rate), max(rate));
        } finally {
            round.close();
        }
    }

    private interface Round extends AutoCloseable {
        void run(int chunks, ByteView chunk, List<ByteView> slots) throws Exception;
    }

    private static Round netty(NettyTransport transport, int connections, boolean bothWays, ByteView chunk)
            throws Exception {
        NettyConnections open = NettyConnections.open(transport, connections);
        return new Round() {
            @Override
            public void run(int chunks, ByteView ignored, List<ByteView> slots) throws Exception {
                open.round(chunks, chunk.buffer(), bothWays, TIMEOUT_MILLIS);
            }

            @Override
            public void close() throws Exception {
                open.close();
            }
        };
    }

    private static Round ktor(int connections, boolean bothWays) {
        KtorConnections open = KtorConnections.open(connections, TIMEOUT_MILLIS);
        return new Round() {
            @Override
            public void run(int chunks, ByteView chunk, List<ByteView> slots) {
                open.round(chunks, chunk, slots, bothWays, TIMEOUT_MILLIS);
            }

            @Override
            public void close() {
                open.close();
            }
        };
    }

    private static Round coreOnVirtualThreads(int connections, boolean bothWays) throws Exception {
        List<Loopback> pairs = new ArrayList<>(connections);
        try {
            for (int i = 0; i < connections; i++) {
                pairs.add(Loopback.open());
            }
        } catch (Exception e) {
            for (Loopback pair : pairs) {
                pair.close();
            }
            throw e;
        }
        return new Round() {
            @Override
            public void run(int chunks, ByteView chunk, List<ByteView> slots) throws Exception {
                ExecutorService threads = Harness.threadPerTask();
                try {
                    List<Future<?>> ends = new ArrayList<>(2 * connections);
                    for (int i = 0; i < connections; i++) {
                        Loopback pair = pairs.get(i);
                        ByteView slot = slots.get(i % slots.size());
                        ends.add(threads.submit(() -> {
                            for (int c = 0; c < chunks; c++) {
                                ZeroCopy.sendFrom(pair.client, chunk);
                            }
                            return null;
                        }));
                        ends.add(threads.submit(() -> {
                            for (int c = 0; c < chunks; c++) {
                                ZeroCopy.recvInto(pair.server, slot);
                            }
                            return null;
                        }));
                        if (bothWays) {
                            ends.add(threads.submit(() -> {
                                for (int c = 0; c < chunks; c++) {
                                    ZeroCopy.sendFrom(pair.server, chunk);
                                }
                                return null;
                            }));
                            ends.add(threads.submit(() -> {
                                for (int c = 0; c < chunks; c++) {
                                    ZeroCopy.recvInto(pair.client, slot);
                                }
                                return null;
                            }));
                        }
                    }
                    for (Future<?> end : ends) {
                        end.get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                    }
                } finally {
                    threads.shutdownNow();
                }
            }

            @Override
            public void close() throws Exception {
                for (Loopback pair : pairs) {
                    pair.close();
                }
            }
        };
    }

    private static double min(double[] values) {
        return java.util.Arrays.stream(values).min().orElse(Double.NaN);
    }

    private static double max(double[] values) {
        return java.util.Arrays.stream(values).max().orElse(Double.NaN);
    }
}
