package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.Calibration;
import dev.zerocopy.testing.Cpu;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The core's contract on virtual threads with blocking channels: every operation
 * and file mode moves every byte, a slow reader costs the sender no CPU, and
 * deadlines end calls with the right counts. Each connection goes to a peer that
 * echoes what it reads; the subclasses say where that peer is (loopback, or another
 * network namespace over veth). Runs on JDK 21+ (see {@link VirtualThreads}).
 */
@Tag("virtual-threads")
abstract class VirtualThreadContract {

    static final boolean STRESS = Boolean.getBoolean("zerocopy.stress");
    static final int CONNECTIONS = 2_000;
    /** Modest by default, so 2,000 connections take seconds; 2 MiB each way with -Pstress. */
    static final int BYTES_PER_CONNECTION = STRESS ? 2 << 20 : 64 << 10;

    @TempDir
    Path dir;

    private byte[] data;
    private Path source;

    /** Opens a blocking channel to a peer that writes back every byte it reads. */
    abstract SocketChannel connect() throws IOException;

    /** The class of peer AUTO measures these connections under. */
    abstract Calibration.PeerClass peers();

    /** The operations, each a sender and a receiver on one connection to the echo peer. */
    enum Operation {
        VIEW, VIEWS, FRAME,
        SEND_FILE_ZERO_COPY, SEND_FILE_COPY, SEND_FILE_AUTO,
        RECV_FILE_ZERO_COPY, RECV_FILE_COPY, RECV_FILE_AUTO;

        FileMode fileMode() {
            String name = name();
            return name.endsWith("ZERO_COPY") ? FileMode.ZERO_COPY : name.endsWith("AUTO") ? FileMode.AUTO
                    : name.endsWith("COPY") ? FileMode.COPY : null;
        }

        boolean sendsFile() {
            return name().startsWith("SEND_FILE");
        }

        boolean receivesFile() {
            return name().startsWith("RECV_FILE");
        }
    }

    @BeforeEach
    void writeSource() throws IOException {
        VirtualThreads.assumeAvailable();
        data = Bytes.random(BYTES_PER_CONNECTION + (64 << 10), 13);
        source = Files.write(dir.resolve("source.bin"), data);
    }

    @Test
    void everyOperationAndModeMovesEveryByteOn2000Connections() throws Exception {
        Operation[] operations = Operation.values();
        List<SocketChannel> channels = new ArrayList<>();
        Path received = dir.resolve("received.bin");
        try (FileChannel file = FileChannel.open(source, StandardOpenOption.READ);
                FileChannel sink = FileChannel.open(received, StandardOpenOption.CREATE, StandardOpenOption.READ,
                        StandardOpenOption.WRITE);
                VirtualThreads.Threads threads = VirtualThreads.threads()) {
            for (int i = 0; i < CONNECTIONS; i++) {
                channels.add(connect());
            }
            List<Future<Object>> sends = new ArrayList<>();
            List<Future<Object>> receives = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                int connection = i;
                Operation operation = operations[i % operations.length];
                SocketChannel channel = channels.get(i);
                sends.add(threads.submit(() -> send(operation, channel, file, connection, BYTES_PER_CONNECTION)));
                receives.add(threads.submit(() -> receive(operation, channel, sink, connection)));
            }
            Map<Operation, Long> zeroCopied = new EnumMap<>(Operation.class);
            for (int i = 0; i < CONNECTIONS; i++) {
                Operation operation = operations[i % operations.length];
                Object sent = sends.get(i).get(2, TimeUnit.MINUTES);
                Object got = receives.get(i).get(2, TimeUnit.MINUTES); // a view's bytes were checked as it arrived
                if (got instanceof FileTransfer) {
                    assertArrayEquals(expected(i, BYTES_PER_CONNECTION), readBack(sink, i),
                            operation + " on connection " + i);
                }
                for (Object result : new Object[] {sent, got}) {
                    if (result instanceof FileTransfer transfer) {
                        checkFileTransfer(operation, transfer);
                        zeroCopied.merge(operation, transfer.zeroCopied(), Long::sum);
                    }
                }
            }
            assertTrue(zeroCopied.get(Operation.SEND_FILE_ZERO_COPY) > 0, zeroCopied.toString());
            assertEquals(0L, zeroCopied.get(Operation.SEND_FILE_COPY), zeroCopied.toString());
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Operation.class, names = {"VIEW", "FRAME", "SEND_FILE_ZERO_COPY", "SEND_FILE_COPY",
            "SEND_FILE_AUTO"})
    void aSlowReaderKeepsTheSendersCpuNearZero(Operation operation) throws Exception {
        int size = 8 << 20;
        data = Bytes.random(size + (64 << 10), 17);
        source = Files.write(dir.resolve("slow.bin"), data);
        try (SocketChannel channel = connect();
                FileChannel file = FileChannel.open(source, StandardOpenOption.READ);
                VirtualThreads.Threads threads = VirtualThreads.threads()) {
            channel.setOption(StandardSocketOptions.SO_SNDBUF, 64 << 10);
            channel.setOption(StandardSocketOptions.SO_RCVBUF, 64 << 10);
            warmUp(operation, file, threads);
            // The sender's virtual thread has no CPU clock of its own (ThreadMXBean gives -1), so this
            // measures the carriers it runs on, and the pollers that wake it. The slow reader runs on a
            // platform thread so it is not among them; the JIT, the GC and the test's own threads never are.
            // On loopback the carriers also run the echo peer, which only follows the reader's pace.
            Cpu.Meter carriers = Cpu.meter(thread -> Cpu.isCarrier(thread) || Cpu.isPoller(thread));
            long wallBefore = System.nanoTime();
            Future<Object> sent = threads.submit(() -> send(operation, channel, file, 0, size));
            FutureTask<byte[]> got = new FutureTask<>(() -> readSlowly(channel,
                    operation == Operation.FRAME ? size + Frames.HEADER_SIZE : size));
            new Thread(got, "slow-reader").start();
            byte[] bytes = got.get(2, TimeUnit.MINUTES);
            Object result = sent.get(2, TimeUnit.MINUTES);
            long cpu = carriers.nanos();
            long wall = System.nanoTime() - wallBefore;

            byte[] payload = operation == Operation.FRAME ? Arrays.copyOfRange(bytes, Frames.HEADER_SIZE, bytes.length)
                    : bytes;
            assertArrayEquals(expected(0, size), payload);
            assertTrue(wall > TimeUnit.MILLISECONDS.toNanos(500), "the reader was not slow: " + wall + " ns");
            // A sender spinning on a full socket burns a core (cpu >= wall), and still a good share of one on
            // a loaded machine; waiting costs next to nothing (about 20 ms in 1.2 s here). The margin is for
            // the kernel's TCP work, which is charged to the thread that sends.
            assertTrue(cpu < wall / 8, operation + " used " + cpu / 1_000_000 + " ms of its carriers' CPU in "
                    + wall / 1_000_000 + " ms (" + carriers.describe() + ")"
                    + (result instanceof FileTransfer t ? " (" + t + ")" : ""));
            if (result instanceof FileTransfer transfer) {
                checkFileTransfer(operation, transfer);
                if (operation == Operation.SEND_FILE_ZERO_COPY) {
                    // The socket filled, so the sender waited by writing pieces; they stay a small share.
                    assertTrue(transfer.copied() > 0 && transfer.copied() < size / 20, transfer.toString());
                }
            }
        }
    }

    @Test
    void automaticSendsTakeTheModeTheirMeasurementsSay() throws Exception {
        int size = 4 << 20;
        data = Bytes.random(size, 29);
        source = Files.write(dir.resolve("auto.bin"), data);
        Calibration calibration = Calibration.shared();
        List<String> reasons = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        int taken = 0;
        try (VirtualThreads.Threads threads = VirtualThreads.threads()) {
            // Bounded in count and time: both modes are measured after a second or two of sending.
            for (int i = 0; i < 2000 && taken < 5 && System.nanoTime() < deadline; i++) {
                try (SocketChannel channel = connect()) {
                    Future<Object> sent = threads.submit(() -> ZeroCopy.sendFile(source, channel));
                    ByteView echoed = ByteView.allocateDirect(size);
                    ZeroCopy.recvInto(channel, echoed);
                    assertArrayEquals(data, echoed.toByteArray());
                    FileTransfer transfer = (FileTransfer) sent.get(1, TimeUnit.MINUTES);
                    String reason = transfer.autoReason();
                    reasons.add(transfer.mode() + ": " + reason);
                    assertTrue(reason.contains(peers().toString()), reason);
                    if (reason.startsWith("AUTO takes")) {
                        Calibration.Choice choice = calibration.choice(peers());
                        assertEquals(choice.mode(), transfer.mode(), reason);
                        CalibrationTest.assertTheReasonGivesTheMode(transfer.mode(), reason);
                        CalibrationTest.assertTheChoiceFollowsItsRates(choice);
                        taken++;
                    } else {
                        assertTrue(reason.startsWith("AUTO is measuring") || reason.startsWith("AUTO re-measures"),
                                reason);
                    }
                }
            }
        }
        assertEquals(5, taken, String.join("\n", reasons.subList(Math.max(0, reasons.size() - 5), reasons.size())));
        assertTrue(calibration.windows(peers(), FileMode.ZERO_COPY) >= 3, reasons.get(reasons.size() - 1));
        assertTrue(calibration.windows(peers(), FileMode.COPY) >= 3, reasons.get(reasons.size() - 1));
    }

    /** Runs the operation once at full speed, so the measured run does not pay for compiling it. */
    private void warmUp(Operation operation, FileChannel file, VirtualThreads.Threads threads) throws Exception {
        int size = 4 << 20;
        try (SocketChannel channel = connect()) {
            Future<Object> sent = threads.submit(() -> send(operation, channel, file, 0, size));
            ZeroCopy.recvInto(channel, ByteView.allocate(operation == Operation.FRAME ? size + Frames.HEADER_SIZE
                    : size));
            sent.get(1, TimeUnit.MINUTES);
        }
    }

    @Test
    void deadlinesEndBlockedCallsOn2000ConnectionsWithTheirCounts() throws Exception {
        List<SocketChannel> channels = new ArrayList<>();
        try (VirtualThreads.Threads threads = VirtualThreads.threads()) {
            for (int i = 0; i < CONNECTIONS; i++) {
                channels.add(connect());
            }
            List<Future<TransferTimeoutException>> calls = new ArrayList<>();
            for (int i = 0; i < CONNECTIONS; i++) {
                SocketChannel channel = channels.get(i);
                int echoed = i % 100;
                calls.add(threads.submit(() -> {
                    ZeroCopy.sendFrom(channel, ByteView.wrap(data, 0, echoed));
                    // The echo must arrive well before the deadline, so the call is blocked in its read
                    // when the deadline closes the channel: on a loaded machine 2,000 echoes took over
                    // 500 ms, and a call that got its echo after the deadline ended with no cause.
                    return assertThrows(TransferTimeoutException.class,
                            () -> ZeroCopy.recvInto(channel, ByteView.allocate(100), Duration.ofSeconds(3)));
                }));
            }
            for (int i = 0; i < CONNECTIONS; i++) {
                TransferTimeoutException timeout = calls.get(i).get(2, TimeUnit.MINUTES);
                assertEquals(i % 100, timeout.transferred(), timeout.getMessage());
                assertEquals(100, timeout.byteCount());
                assertInstanceOf(AsynchronousCloseException.class, timeout.getCause());
                assertFalse(channels.get(i).isOpen(), "a blocking channel is closed by its deadline");
            }
        } finally {
            for (SocketChannel channel : channels) {
                channel.close();
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class)
    void aDeadlineEndsAFileSendToAStalledPeer(FileMode mode) throws Exception {
        int size = 64 << 20;
        source = Files.write(dir.resolve("large.bin"), Bytes.random(size, 19));
        try (SocketChannel channel = connect(); VirtualThreads.Threads threads = VirtualThreads.threads()) {
            // Nobody reads the echo, so the peer stops reading and the send stalls.
            Future<TransferTimeoutException> call = threads.submit(() -> assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.sendFile(source, channel, 0, size,
                            FileOptions.defaults().withMode(mode).withTimeout(Duration.ofMillis(500)))));
            TransferTimeoutException timeout = call.get(1, TimeUnit.MINUTES);
            assertTrue(timeout.transferred() > 0 && timeout.transferred() < size, timeout.getMessage());
            assertEquals(size, timeout.byteCount());
            assertTrue(timeout.getMessage().endsWith("file bytes sent (the blocking channel was closed at the"
                    + " deadline)"), timeout.getMessage());
            assertFalse(channel.isOpen());
        }
    }

    @Test
    void recvSomeAndFramesEndAtTheirDeadlines() throws Exception {
        try (SocketChannel first = connect(); SocketChannel second = connect();
                VirtualThreads.Threads threads = VirtualThreads.threads()) {
            Future<TransferTimeoutException> some = threads.submit(() -> assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvSome(first, ByteView.allocate(10), Duration.ofMillis(300))));
            Future<TransferTimeoutException> frame = threads.submit(() -> {
                ZeroCopy.sendFrom(second, Frames.header(1000));
                ZeroCopy.sendFrom(second, ByteView.wrap(data, 0, 10));
                return assertThrows(TransferTimeoutException.class,
                        () -> Frames.recvFrame(second, 1000, ByteView::allocate, Duration.ofMillis(300)));
            });
            TransferTimeoutException someTimeout = some.get(1, TimeUnit.MINUTES);
            assertEquals(0, someTimeout.transferred());
            assertEquals(10, someTimeout.byteCount());
            TransferTimeoutException frameTimeout = frame.get(1, TimeUnit.MINUTES);
            assertEquals(10, frameTimeout.transferred(), frameTimeout.getMessage());
            assertEquals(1000, frameTimeout.byteCount());
            assertFalse(first.isOpen() || second.isOpen());
        }
    }

    private Object send(Operation operation, SocketChannel channel, FileChannel file, int connection, int size)
            throws IOException {
        int offset = offsetOf(connection);
        ByteView view = ByteView.wrap(data, offset, size);
        switch (operation) {
            case VIEWS:
                return ZeroCopy.sendFrom(channel, List.of(view.slice(0, size / 3), view.slice(size / 3, size / 2),
                        view.slice(size / 2)));
            case FRAME:
                return Frames.sendFrame(channel, view);
            case SEND_FILE_ZERO_COPY:
            case SEND_FILE_COPY:
            case SEND_FILE_AUTO:
                return ZeroCopy.sendFile(file, channel, offset, size, FileOptions.defaults()
                        .withMode(operation.fileMode()));
            default:
                return ZeroCopy.sendFrom(channel, view);
        }
    }

    private Object receive(Operation operation, SocketChannel channel, FileChannel sink, int connection)
            throws IOException {
        int size = BYTES_PER_CONNECTION;
        switch (operation) {
            case VIEWS: {
                ByteView view = ByteView.allocate(size);
                for (int received = 0; received < size; ) {
                    int read = ZeroCopy.recvSome(channel, view.slice(received));
                    assertTrue(read > 0, "recvSome returned " + read + " after " + received + " bytes");
                    received += read;
                }
                return checked(operation, connection, view);
            }
            case FRAME:
                return checked(operation, connection, Frames.recvFrame(channel, size));
            case RECV_FILE_ZERO_COPY:
            case RECV_FILE_COPY:
            case RECV_FILE_AUTO:
                return ZeroCopy.recvFile(channel, sink, (long) connection * size, size, FileOptions.defaults()
                        .withMode(operation.fileMode()));
            default: {
                ByteView view = ByteView.allocate(size);
                ZeroCopy.recvInto(channel, view);
                return checked(operation, connection, view);
            }
        }
    }

    /**
     * Asserts that {@code view} holds what the peer echoed on {@code connection} and returns its
     * size: the receive keeps no copy, so 2,000 receives of 2 MiB (with -Pstress) hold only
     * the views still in flight, not every connection's bytes until the end.
     */
    private Integer checked(Operation operation, int connection, ByteView view) {
        int size = (int) view.size();
        int mismatch = view.buffer().mismatch(ByteBuffer.wrap(data, offsetOf(connection), size));
        assertEquals(-1, mismatch, operation + " on connection " + connection + ": the " + size
                + " bytes received differ from the ones sent from byte " + mismatch + " on");
        return size;
    }

    private static void checkFileTransfer(Operation operation, FileTransfer transfer) {
        assertEquals(transfer.byteCount(), transfer.transferred(), transfer.toString());
        assertEquals(transfer.transferred(), transfer.zeroCopied() + transfer.copied(), transfer.toString());
        if (operation.fileMode() == FileMode.ZERO_COPY) {
            assertEquals(FileMode.ZERO_COPY, transfer.mode(), "forced zero-copy stays zero-copy: " + transfer);
            assertNull(transfer.fallbackReason(), transfer.toString());
            if (operation.sendsFile()) {
                assertTrue(transfer.zeroCopied() > transfer.copied(), transfer.toString());
            }
        } else if (operation.fileMode() == FileMode.COPY) {
            assertEquals(FileMode.COPY, transfer.mode(), transfer.toString());
            assertEquals(0, transfer.zeroCopied(), transfer.toString());
        }
    }

    private byte[] readBack(FileChannel sink, int connection) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(BYTES_PER_CONNECTION);
        while (buffer.hasRemaining()) {
            if (sink.read(buffer, (long) connection * BYTES_PER_CONNECTION + buffer.position()) < 0) {
                break;
            }
        }
        return buffer.array();
    }

    /** Reads {@code size} bytes 16 KiB at a time with a 2 ms pause after each: a reader slower than the sender. */
    private static byte[] readSlowly(SocketChannel channel, int size) throws Exception {
        ByteBuffer buffer = ByteBuffer.allocate(size);
        while (buffer.hasRemaining()) {
            buffer.limit(Math.min(size, buffer.position() + (16 << 10)));
            if (channel.read(buffer) < 0) {
                break;
            }
            buffer.limit(size);
            Thread.sleep(2);
        }
        return buffer.array();
    }

    private byte[] expected(int connection, int size) {
        int offset = offsetOf(connection);
        return Arrays.copyOfRange(data, offset, offset + size);
    }

    private static int offsetOf(int connection) {
        return (connection * 4099) % (64 << 10);
    }
}
