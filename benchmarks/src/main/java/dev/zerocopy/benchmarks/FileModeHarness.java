package dev.zerocopy.benchmarks;

import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.ZeroCopy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/*
 * Measures what AUTO's choice depends on: zero-copy against the copy loop (1 MiB chunks) for
 * ZeroCopy.sendFile of a page-cached 64 MiB file, at 1, 8, 64 and 256 concurrent connections,
 * to a peer that reads and discards (DrainPeer): in this JVM over 127.0.0.1, or in its own
 * network namespace over veth (benchmarks/vt-harness.sh sets that up). Each cell sends
 * `--seconds` worth of 16 MiB ranges per connection, each connection on its own (virtual, on
 * JDK 21+) thread with a blocking channel, and reports the aggregate GiB/s and the process CPU
 * seconds per GiB sent (over loopback that includes the receiving peer's; over veth only the
 * sender's). Modes alternate cell by cell (ZERO_COPY, COPY, AUTO) for `--rounds` rounds and the
 * median is reported, so both see the same background load. The AUTO cell shows the share of
 * its bytes that went by zero-copy, which is what its own calibration chose, and its rate over
 * the better forced mode's (medians of the same rounds).
 * Set up outside the measured region: the file (read once to warm the page cache) and the
 * connections of each cell.
 * Usage: java -cp benchmarks.jar dev.zerocopy.benchmarks.FileModeHarness
 *            [--peer HOST:PORT] [--label NAME] [--seconds 2] [--rounds 3] [--concurrency 1,8,64,256]
 */
public final class FileModeHarness {

    private static final long RANGE = 16 << 20;
    private static final long FILE_SIZE = 64 << 20;
    private static final FileMode[] MODES = {FileMode.ZERO_COPY, FileMode.COPY, FileMode.AUTO};

    private FileModeHarness() {
    }

    /**
     * Runs the harness and prints a Markdown table.
     *
     * @param args see the class comment
     * @throws Exception if a transfer fails
     */
    public static void main(String[] args) throws Exception {
        InetSocketAddress peerAddress = null;
        String label = "loopback";
        double seconds = 2;
        int rounds = 3;
        int[] concurrency = {1, 8, 64, 256};
        for (int i = 0; i < args.length; i += 2) {
            switch (args[i]) {
                case "--peer" -> {
                    String[] hostPort = args[i + 1].split(":");
                    peerAddress = new InetSocketAddress(InetAddress.getByName(hostPort[0]), Integer.parseInt(hostPort[1]));
                }
                case "--label" -> label = args[i + 1];
                case "--seconds" -> seconds = Double.parseDouble(args[i + 1]);
                case "--rounds" -> rounds = Integer.parseInt(args[i + 1]);
                case "--concurrency" -> concurrency = java.util.Arrays.stream(args[i + 1].split(","))
                        .mapToInt(Integer::parseInt).toArray();
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        DrainPeer local = peerAddress == null ? DrainPeer.start(Loopback.ADDRESS) : null;
        InetSocketAddress target = peerAddress != null ? peerAddress : local.address();
        Path file = BenchFiles.prepare(FILE_SIZE);
        System.out.printf(Locale.ROOT, "%n### sendFile to a draining peer over %s (JDK %s, %s threads, %d rounds"
                + " of %.1f s per cell, medians)%n%n", label, Runtime.version(),
                Harness.virtualThreads() ? "virtual" : "platform", rounds, seconds);
        System.out.println("| connections | zero-copy GiB/s | copy GiB/s | zero-copy / copy | zero-copy CPU s/GiB"
                + " | copy CPU s/GiB | AUTO GiB/s | AUTO / better forced | AUTO zero-copy share |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            warmPageCache(channel);
            for (int connections : concurrency) {
                double[][] rate = new double[MODES.length][rounds];
                double[][] cpu = new double[MODES.length][rounds];
                double[] share = new double[rounds];
                for (int round = 0; round < rounds; round++) {
                    for (int m = 0; m < MODES.length; m++) {
                        Cell cell = run(channel, target, connections, MODES[m], seconds);
                        rate[m][round] = Harness.gib(cell.bytes) / (cell.wallNanos / 1e9);
                        cpu[m][round] = (cell.cpuNanos / 1e9) / Harness.gib(cell.bytes);
                        if (MODES[m] == FileMode.AUTO) {
                            share[round] = (double) cell.zeroCopied / cell.bytes;
                        }
                    }
                }
                double zeroCopy = Harness.median(rate[0]);
                double copy = Harness.median(rate[1]);
                double auto = Harness.median(rate[2]);
                System.out.printf(Locale.ROOT, "| %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f %% |%n",
                        connections, zeroCopy, copy, zeroCopy / copy, Harness.median(cpu[0]), Harness.median(cpu[1]),
                        auto, auto / Math.max(zeroCopy, copy), 100 * Harness.median(share));
            }
        } finally {
            if (local != null) {
                local.close();
            }
        }
    }

    private record Cell(long bytes, long zeroCopied, long wallNanos, long cpuNanos) {
    }

    private static Cell run(FileChannel file, InetSocketAddress target, int connections, FileMode mode,
            double seconds) throws Exception {
        List<SocketChannel> channels = new ArrayList<>();
        ExecutorService threads = Harness.threadPerTask();
        AtomicLong bytes = new AtomicLong();
        AtomicLong zeroCopied = new AtomicLong();
        try {
            for (int i = 0; i < connections; i++) {
                channels.add(SocketChannel.open(target));
            }
            FileOptions options = FileOptions.defaults().withMode(mode);
            long wallStart = System.nanoTime();
            long cpuStart = Harness.processCpuNanos();
            long end = wallStart + (long) (seconds * 1e9);
            List<Future<?>> senders = new ArrayList<>();
            for (int i = 0; i < connections; i++) {
                SocketChannel channel = channels.get(i);
                long offset = (i * RANGE / 2) % (FILE_SIZE - RANGE);
                senders.add(threads.submit(() -> {
                    while (System.nanoTime() < end) {
                        FileTransfer transfer = ZeroCopy.sendFile(file, channel, offset, RANGE, options);
                        bytes.addAndGet(transfer.transferred());
                        zeroCopied.addAndGet(transfer.zeroCopied());
                    }
                    return null;
                }));
            }
            for (Future<?> sender : senders) {
                sender.get(5, TimeUnit.MINUTES);
            }
            return new Cell(bytes.get(), zeroCopied.get(), System.nanoTime() - wallStart,
                    Harness.processCpuNanos() - cpuStart);
        } finally {
            threads.shutdownNow();
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }

    private static void warmPageCache(FileChannel file) throws IOException {
        java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocateDirect(1 << 20);
        for (long position = 0; position < file.size(); position += buffer.capacity()) {
            file.read(buffer.clear(), position);
        }
    }
}
