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
 * Netty runs with its defaults unless the --netty-* options say otherwise (run.sh passes
 * --netty-send-buffer 16384 from 5,000 connections); why, and what limits Netty at 5,000 connections here, is in
 * benchmarks/README.md ("Many connections: Netty in ConnectionsHarness").
 * Usage: java -cp benchmarks.jar dev.zerocopy.benchmarks.ConnectionsHarness --help
 */
public final class ConnectionsHarness {

    private static final int CHUNK = 1 << 20;
    private static final int SLOTS = 256;
    private static final long TIMEOUT_MILLIS = TimeUnit.MINUTES.toMillis(5);
    private static final String USAGE = String.join("\n",
            "usage: java -cp benchmarks.jar dev.zerocopy.benchmarks.ConnectionsHarness [options]",
            "  --driver core-vt|ktor|netty-nio|netty-epoll|netty-io_uring   (default core-vt; core-vt needs JDK 21+)",
            "  --connections N      concurrent loopback connections, both ends in this JVM (default 2000)",
            "  --chunks N           1 MiB chunks per connection and direction per round (default 1)",
            "  --ways 1|2           1: client to server; 2: both ways at once (default 1)",
            "  --rounds N           measured rounds after one warm-up round (default 3)",
            "  --netty-threads N    Netty event loop threads, 0 for Netty's default of two per core (default 0)",
            "  --netty-max-read N   the most one Netty read takes from a socket, 0 for Netty's default of 64 KiB"
                    + " (default 0; 1048576 is the library's receive slot)",
            "  --netty-send-buffer N     SO_SNDBUF of Netty's sockets, 0 for the kernel's autotuning (default 0)",
            "  --netty-receive-buffer N  SO_RCVBUF of Netty's sockets (set on the listener for accepted ones),"
                    + " 0 for the kernel's autotuning (default 0)",
            "Prints one Markdown row: driver, connections, size, median GiB/s, median CPU-s per GiB, rounds' range.");

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
        int nettyThreads = 0;
        int nettyMaxRead = 0;
        int nettySendBuffer = 0;
        int nettyReceiveBuffer = 0;
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "-h", "--help" -> {
                    System.out.println(USAGE);
                    return;
                }
                case "--netty-threads" -> nettyThreads = Integer.parseInt(args[i + 1]);
                case "--netty-max-read" -> nettyMaxRead = Integer.parseInt(args[i + 1]);
                case "--netty-send-buffer" -> nettySendBuffer = Integer.parseInt(args[i + 1]);
                case "--netty-receive-buffer" -> nettyReceiveBuffer = Integer.parseInt(args[i + 1]);
                case "--driver" -> driver = args[i + 1];
                case "--connections" -> connections = Integer.parseInt(args[i + 1]);
                case "--chunks" -> chunks = Integer.parseInt(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--ways" -> ways = Integer.parseInt(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + "\n" + USAGE);
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
            case "netty-nio", "netty-epoll", "netty-io_uring" -> netty(NettyTransport.valueOf(
                    driver.substring("netty-".length()).toUpperCase(Locale.ROOT)), connections, bothWays, writable,
                    new NettyConnections.Settings(nettyThreads, nettyMaxRead, nettySendBuffer, nettyReceiveBuffer));
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

    private static Round netty(NettyTransport transport, int connections, boolean bothWays, ByteView chunk,
            NettyConnections.Settings settings) throws Exception {
        NettyConnections open = NettyConnections.open(transport, connections, settings);
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
