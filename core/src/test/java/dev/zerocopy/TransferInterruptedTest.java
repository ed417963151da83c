package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An interrupt ends every blocking driver with {@link TransferInterruptedException} and the
 * counts, compared here with the bytes the peer saw, on platform threads and (tagged
 * virtual-threads, JDK 21+) on virtual threads.
 */
@Timeout(60)
final class TransferInterruptedTest {

    private static final int SIZE = 64 << 20;
    private static final int FIRST = 1 << 20;

    /** Where the transfer runs; {@code Future.cancel(true)} interrupts it. */
    enum Threads {
        PLATFORM, VIRTUAL;

        ExecutorService executor() {
            return this == PLATFORM ? Executors.newSingleThreadExecutor(task -> {
                Thread thread = new Thread(task, "test-interrupted");
                thread.setDaemon(true);
                return thread;
            }) : VirtualThreads.perTaskExecutor();
        }
    }

    /** What a task threw, and whether its interrupt status was still set afterwards. */
    private record Outcome(Throwable failure, boolean stillInterrupted) {
    }

    /** Runs {@code work} on {@code threads}; the returned handle interrupts it and collects the outcome. */
    private static final class Interruptible implements AutoCloseable {
        private final ExecutorService executor;
        private final CompletableFuture<Outcome> outcome = new CompletableFuture<>();
        private final Future<?> task;

        Interruptible(Threads threads, Callable<?> work) {
            executor = threads.executor();
            task = executor.submit(() -> {
                Throwable failure = null;
                try {
                    work.call();
                } catch (Throwable thrown) {
                    failure = thrown;
                }
                outcome.complete(new Outcome(failure, Thread.interrupted()));
            });
        }

        Outcome interrupt() throws Exception {
            task.cancel(true);
            return outcome.get(30, TimeUnit.SECONDS);
        }

        @Override
        public void close() {
            executor.shutdownNow();
        }
    }

    private static TransferInterruptedException interrupted(Outcome outcome) {
        assertTrue(outcome.stillInterrupted(), "the interrupt status stays set");
        return assertInstanceOf(TransferInterruptedException.class, outcome.failure());
    }

    private static void readFully(SocketChannel channel, ByteBuffer into) throws IOException {
        while (into.hasRemaining()) {
            if (channel.read(into) < 0) {
                throw new IOException("the stream ended with " + into.remaining() + " bytes to go");
            }
        }
    }

    /** Reads what is left until the end of stream. */
    private static byte[] drain(SocketChannel channel) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        while (channel.read(buffer.clear()) >= 0) {
            all.write(buffer.array(), 0, buffer.position());
        }
        return all.toByteArray();
    }

    /**
     * Starts {@code send} on {@code threads}, lets the peer read {@link #FIRST} bytes so the
     * send is under way and then stuck on a full socket, interrupts it, and compares the
     * exception's count with the bytes the peer receives until the end of stream, byte for
     * byte. An interrupt that left the channel open counts them exactly; one that closed it
     * during a channel call may leave up to that call's bytes ({@code step}) uncounted, as
     * the JDK throws its ClosedByInterruptException without them.
     */
    private static TransferInterruptedException interruptSend(Threads threads, byte[] sent, Loopback loopback,
            long step, Callable<?> send) throws Exception {
        Outcome outcome;
        try (Interruptible sender = new Interruptible(threads, send)) {
            ByteBuffer first = ByteBuffer.allocate(FIRST);
            readFully(loopback.server, first);
            outcome = sender.interrupt();
        }
        TransferInterruptedException interrupted = interrupted(outcome);
        loopback.client.close(); // the interrupt closed it already; a non-blocking one it left open
        byte[] rest = drain(loopback.server);
        long seen = FIRST + rest.length;
        if (interrupted.channelClosed()) {
            long uncounted = seen - interrupted.transferred();
            assertTrue(uncounted >= 0 && uncounted <= step,
                    "the peer saw " + seen + " bytes; " + interrupted.getMessage());
        } else {
            assertEquals(seen, interrupted.transferred(), interrupted.getMessage());
        }
        assertEquals(interrupted.transferred(), interrupted.bytesTransferred);
        assertArrayEquals(Arrays.copyOfRange(sent, FIRST, (int) seen), rest);
        return interrupted;
    }

    private static void sendFromIsInterruptedMidWay(Threads threads) throws Exception {
        byte[] bytes = Bytes.random(SIZE, 1);
        ByteView view = ByteView.allocateDirect(SIZE);
        view.buffer().put(bytes);
        try (Loopback loopback = Loopback.open()) {
            TransferInterruptedException interrupted = interruptSend(threads, bytes, loopback, 1 << 20,
                    () -> ZeroCopy.sendFrom(loopback.client, view));
            assertTrue(interrupted.channelClosed());
            assertInstanceOf(ClosedByInterruptException.class, interrupted.getCause());
            assertEquals(SIZE, interrupted.byteCount());
            assertEquals("interrupted after " + interrupted.transferred() + " of " + SIZE + " bytes sent (the"
                    + " interrupt closed the channel; a call it cut short may have moved bytes not counted here)",
                    interrupted.getMessage());
        }
    }

    @Test
    void anInterruptedBlockingSendCountsTheBytesThePeerReceived() throws Exception {
        sendFromIsInterruptedMidWay(Threads.PLATFORM);
    }

    @Test
    @Tag("virtual-threads")
    void anInterruptedBlockingSendOnAVirtualThreadCountsTheBytesThePeerReceived() throws Exception {
        VirtualThreads.assumeAvailable();
        sendFromIsInterruptedMidWay(Threads.VIRTUAL);
    }

    @Test
    void anInterruptedSendWaitingForReadinessCountsTheBytesAndLeavesTheChannelOpen() throws Exception {
        byte[] bytes = Bytes.random(SIZE, 2);
        try (Loopback loopback = Loopback.open()) {
            loopback.client.configureBlocking(false);
            TransferInterruptedException interrupted = interruptSend(Threads.PLATFORM, bytes, loopback, 0,
                    () -> ZeroCopy.sendFrom(loopback.client, ByteView.wrap(bytes)));
            assertFalse(interrupted.channelClosed());
            assertInstanceOf(InterruptedIOException.class, interrupted.getCause());
        }
    }

    private static void sendFileIsInterruptedMidWay(Threads threads, FileMode mode, Path dir) throws Exception {
        byte[] bytes = Bytes.random(SIZE, 3);
        Path file = Files.write(dir.resolve("interrupted-" + mode + "-" + threads + ".bin"), bytes);
        try (Loopback loopback = Loopback.open()) {
            TransferInterruptedException interrupted = interruptSend(threads, bytes, loopback,
                    mode == FileMode.ZERO_COPY ? 4 << 20 : 1 << 20,
                    () -> ZeroCopy.sendFile(file, loopback.client, 0, -1, FileOptions.defaults().withMode(mode)));
            assertTrue(interrupted.getMessage().startsWith("interrupted after " + interrupted.transferred() + " of "
                    + SIZE + " file bytes sent"), interrupted.getMessage());
            assertEquals(interrupted.transferred(),
                    interrupted.report().zeroCopied() + interrupted.report().copied());
        }
    }

    @Test
    void anInterruptedZeroCopyFileSendCountsTheBytesThePeerReceived(@TempDir Path dir) throws Exception {
        sendFileIsInterruptedMidWay(Threads.PLATFORM, FileMode.ZERO_COPY, dir);
    }

    @Test
    void anInterruptedCopyFileSendCountsTheBytesThePeerReceived(@TempDir Path dir) throws Exception {
        sendFileIsInterruptedMidWay(Threads.PLATFORM, FileMode.COPY, dir);
    }

    @Test
    @Tag("virtual-threads")
    void anInterruptedFileSendOnAVirtualThreadCountsTheBytesThePeerReceived(@TempDir Path dir) throws Exception {
        VirtualThreads.assumeAvailable();
        sendFileIsInterruptedMidWay(Threads.VIRTUAL, FileMode.ZERO_COPY, dir);
        sendFileIsInterruptedMidWay(Threads.VIRTUAL, FileMode.COPY, dir);
    }

    @Test
    void anInterruptedFrameSendCountsTheFrameBytesThePeerReceived() throws Exception {
        byte[] payload = Bytes.random(SIZE - Frames.HEADER_SIZE, 4);
        byte[] bytes = new byte[SIZE];
        Frames.header(payload.length).buffer().get(bytes, 0, Frames.HEADER_SIZE);
        System.arraycopy(payload, 0, bytes, Frames.HEADER_SIZE, payload.length);
        try (Loopback loopback = Loopback.open()) {
            TransferInterruptedException interrupted = interruptSend(Threads.PLATFORM, bytes, loopback, 1 << 20,
                    () -> Frames.sendFrame(loopback.client, ByteView.wrap(payload)));
            assertTrue(interrupted.getMessage().contains(" of " + SIZE + " frame bytes sent"), interrupted.getMessage());
        }
    }

    /**
     * Starts {@code receive} on {@code threads} with a progress that opens a latch once
     * {@code sent} bytes arrived, sends them, waits for the latch (the receive then waits
     * for more), interrupts it and returns what it threw.
     */
    private static TransferInterruptedException interruptReceive(Threads threads, Loopback loopback, byte[] sent,
            CountDownLatch arrived, Callable<?> receive) throws Exception {
        Outcome outcome;
        try (Interruptible receiver = new Interruptible(threads, receive)) {
            loopback.client.write(ByteBuffer.wrap(sent));
            assertTrue(arrived.await(30, TimeUnit.SECONDS), "the receive did not report the bytes sent");
            outcome = receiver.interrupt();
        }
        TransferInterruptedException interrupted = interrupted(outcome);
        assertEquals(sent.length, interrupted.transferred(), interrupted.getMessage());
        return interrupted;
    }

    private static Progress at(long bytes, CountDownLatch arrived) {
        return Progress.every(Duration.ZERO, bytes, (transferred, byteCount) -> {
            if (transferred >= bytes) {
                arrived.countDown();
            }
        });
    }

    private static void recvIntoIsInterruptedMidWay(Threads threads, boolean blocking) throws Exception {
        byte[] sent = Bytes.random(100_000, 5);
        ByteView view = ByteView.allocateDirect(1 << 20);
        CountDownLatch arrived = new CountDownLatch(1);
        try (Loopback loopback = Loopback.open()) {
            loopback.server.configureBlocking(blocking);
            TransferInterruptedException interrupted = interruptReceive(threads, loopback, sent, arrived,
                    () -> ZeroCopy.recvInto(loopback.server, view, null, at(sent.length, arrived)));
            assertEquals(ByteView.wrap(sent), view.slice(0, sent.length));
            assertEquals(1 << 20, interrupted.byteCount());
            assertEquals(blocking, interrupted.channelClosed());
            assertEquals(blocking, !loopback.server.isOpen());
            if (!blocking) {
                // Left open: the rest arrives with the next call.
                loopback.client.write(ByteBuffer.wrap(new byte[] {7}));
                ByteView next = ByteView.allocate(1);
                assertEquals(1, ZeroCopy.recvInto(loopback.server, next));
                assertEquals(ByteView.wrap(new byte[] {7}), next);
            }
        }
    }

    @Test
    void anInterruptedBlockingReceiveCountsTheBytesThatArrivedAndClosesTheChannel() throws Exception {
        recvIntoIsInterruptedMidWay(Threads.PLATFORM, true);
    }

    @Test
    void anInterruptedReceiveWaitingForReadinessCountsTheBytesAndLeavesTheChannelOpen() throws Exception {
        recvIntoIsInterruptedMidWay(Threads.PLATFORM, false);
    }

    @Test
    @Tag("virtual-threads")
    void anInterruptedReceiveOnAVirtualThreadCountsTheBytesThatArrived() throws Exception {
        VirtualThreads.assumeAvailable();
        recvIntoIsInterruptedMidWay(Threads.VIRTUAL, true);
        recvIntoIsInterruptedMidWay(Threads.VIRTUAL, false);
    }

    @Test
    void anInterruptedFileReceiveCountsTheBytesInTheFile(@TempDir Path dir) throws Exception {
        byte[] sent = Bytes.random(100_000, 6);
        CountDownLatch arrived = new CountDownLatch(1);
        Path target = dir.resolve("received.bin");
        try (Loopback loopback = Loopback.open();
             FileChannel file = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            TransferInterruptedException interrupted = interruptReceive(Threads.PLATFORM, loopback, sent, arrived,
                    () -> ZeroCopy.recvFile(loopback.server, file, 0, 1 << 20,
                            FileOptions.defaults().withProgress(at(sent.length, arrived))));
            assertTrue(interrupted.getMessage().startsWith("interrupted after 100000 of 1048576 file bytes received"),
                    interrupted.getMessage());
        }
        assertArrayEquals(sent, Files.readAllBytes(target));
    }

    @Test
    void anInterruptWhileAFrameWaitsForPooledMemoryCountsNoPayloadByte() throws Exception {
        ViewPool pool = new ViewPool(1 << 20);
        try (Loopback loopback = Loopback.open(); ByteView held = pool.acquire(1 << 20)) {
            loopback.client.write(Frames.header(1000).buffer());
            Background<ByteView> receiver = Background.start(() -> Frames.recvFrame(loopback.server, 1 << 20, pool, null));
            receiver.awaitFrameInStack("dev.zerocopy.ViewPool", "acquire");
            receiver.thread.interrupt();
            TransferInterruptedException interrupted = assertInstanceOf(TransferInterruptedException.class,
                    org.junit.jupiter.api.Assertions.assertThrows(Exception.class, receiver::join));
            assertEquals(0, interrupted.transferred());
            assertEquals(1000, interrupted.byteCount());
            assertFalse(interrupted.channelClosed());
            assertTrue(loopback.server.isOpen());
        }
    }
}
