package dev.zerocopy.ktor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ByteView;
import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import dev.zerocopy.Frames;
import dev.zerocopy.Progress;
import dev.zerocopy.TransferReport;
import io.ktor.network.selector.SelectInterest;
import io.ktor.network.selector.Selectable;
import io.ktor.network.selector.SelectorManager;
import io.ktor.network.sockets.InetSocketAddress;
import io.ktor.network.sockets.ServerSocket;
import io.ktor.network.sockets.Socket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cancelled {@link TransferFuture} reports how far its operation got, from Java: the
 * counts are compared with the bytes the peer received (sends) or that arrived (receives).
 */
@Timeout(60)
final class TransferFutureTest {

    private static final int SIZE = 64 << 20;
    private static final int FIRST = 1 << 20;

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Cancels {@code future}, which must then be cancelled with a report; returns the report. */
    private static TransferReport cancelWithReport(TransferFuture<?> future) {
        assertTrue(future.cancel(true));
        assertTrue(future.isDone());
        assertTrue(future.isCancelled());
        CancellationException thrown = assertThrows(CancellationException.class, () -> future.get(30, TimeUnit.SECONDS));
        assertThrows(CancellationException.class, future::join);
        return assertInstanceOf(TransferCancellationException.class, thrown).getReport();
    }

    /**
     * Lets the peer read {@link #FIRST} bytes of what {@code send} sends (so it is under way
     * and then stuck on a full socket), cancels it, and checks that its report counts
     * exactly the bytes the peer receives before the end of stream, byte for byte.
     */
    private static TransferReport cancelSend(JavaLoopback pair, byte[] sent, TransferFuture<?> send) throws Exception {
        ByteView received = ByteView.allocateDirect(sent.length);
        assertEquals(FIRST, SocketFutures.recvInto(pair.server, received.slice(0, FIRST)).get(30, TimeUnit.SECONDS));
        TransferReport report = cancelWithReport(send);
        assertTrue(report.transferred() >= FIRST && report.transferred() < sent.length, report.toString());
        assertEquals(sent.length, report.byteCount());

        long rest = report.transferred() - FIRST;
        assertEquals(rest, SocketFutures.recvInto(pair.server, received.slice(FIRST, report.transferred()))
                .get(30, TimeUnit.SECONDS));
        pair.client.close();
        assertEquals(-1, SocketFutures.recvSome(pair.server, ByteView.allocate(1)).get(30, TimeUnit.SECONDS),
                "the peer received more than the report counts");
        assertEquals(ByteView.wrap(sent).slice(0, report.transferred()), received.slice(0, report.transferred()));
        return report;
    }

    @Test
    void aCancelledSendReportsTheBytesThePeerReceived() throws Exception {
        byte[] bytes = random(SIZE, 1);
        try (JavaLoopback pair = new JavaLoopback()) {
            cancelSend(pair, bytes, SocketFutures.sendFrom(pair.client, ByteView.wrap(bytes)));
        }
    }

    @Test
    void aCancelledFrameSendReportsTheFrameBytesThePeerReceived() throws Exception {
        byte[] payload = random(SIZE - Frames.HEADER_SIZE, 2);
        byte[] frame = new byte[SIZE];
        Frames.header(payload.length).buffer().get(frame, 0, Frames.HEADER_SIZE);
        System.arraycopy(payload, 0, frame, Frames.HEADER_SIZE, payload.length);
        try (JavaLoopback pair = new JavaLoopback()) {
            cancelSend(pair, frame, SocketFutures.sendFrame(pair.client, ByteView.wrap(payload)));
        }
    }

    @Test
    void aCancelledFileSendReportsTheBytesThePeerReceivedByMode(@TempDir Path dir) throws Exception {
        byte[] bytes = random(SIZE, 3);
        Path file = Files.write(dir.resolve("sent.bin"), bytes);
        for (FileMode mode : new FileMode[] {FileMode.ZERO_COPY, FileMode.COPY}) {
            try (JavaLoopback pair = new JavaLoopback()) {
                TransferReport report = cancelSend(pair, bytes, SocketFutures.sendFile(pair.client, file, 0, -1,
                        FileOptions.defaults().withMode(mode)));
                assertEquals(report.transferred(), mode == FileMode.ZERO_COPY ? report.zeroCopied() : report.copied(),
                        report.toString());
            }
        }
    }

    /** A progress that opens {@code arrived} once {@code bytes} bytes moved. */
    private static Progress at(long bytes, CountDownLatch arrived) {
        return Progress.every(Duration.ZERO, bytes, (transferred, byteCount) -> {
            if (transferred >= bytes) {
                arrived.countDown();
            }
        });
    }

    @Test
    void aCancelledReceiveReportsTheBytesThatArrivedAndTheNextReceiveGetsTheRest() throws Exception {
        byte[] sent = random(100_000, 4);
        ByteView view = ByteView.allocateDirect(1 << 20);
        CountDownLatch arrived = new CountDownLatch(1);
        try (JavaLoopback pair = new JavaLoopback()) {
            TransferFuture<Long> receive = SocketFutures.recvInto(pair.server, view, null, at(sent.length, arrived));
            SocketFutures.sendFrom(pair.client, ByteView.wrap(sent)).get(30, TimeUnit.SECONDS);
            assertTrue(arrived.await(30, TimeUnit.SECONDS));

            TransferReport report = cancelWithReport(receive);
            assertEquals(sent.length, report.transferred());
            assertEquals(1 << 20, report.byteCount());
            assertEquals(ByteView.wrap(sent), view.slice(0, sent.length));

            SocketFutures.sendFrom(pair.client, ByteView.wrap(new byte[] {7, 8})).get(30, TimeUnit.SECONDS);
            ByteView next = ByteView.allocate(2);
            assertEquals(2, SocketFutures.recvInto(pair.server, next).get(30, TimeUnit.SECONDS));
            assertEquals(ByteView.wrap(new byte[] {7, 8}), next);
        }
    }

    @Test
    void aCancelledFrameReceiveReportsThePayloadBytesThatArrived() throws Exception {
        byte[] part = random(100_000, 5);
        AtomicReference<ByteView> allocated = new AtomicReference<>();
        try (JavaLoopback pair = new JavaLoopback()) {
            TransferFuture<ByteView> receive = SocketFutures.recvFrame(pair.server, 1 << 20, size -> {
                ByteView view = ByteView.allocateDirect(size);
                allocated.set(view);
                return view;
            });
            SocketFutures.sendFrom(pair.client, List.of(Frames.header(1 << 20), ByteView.wrap(part)))
                    .get(30, TimeUnit.SECONDS);
            // The last byte sent is in the payload view once the receive has read it all.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (allocated.get() == null || allocated.get().get(part.length - 1) != part[part.length - 1]) {
                assertTrue(System.nanoTime() < deadline, "the payload did not arrive in 30 s");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }

            TransferReport report = cancelWithReport(receive);
            assertEquals(part.length, report.transferred(), report.toString());
            assertEquals(1 << 20, report.byteCount());
            assertEquals(ByteView.wrap(part), allocated.get().slice(0, part.length));
        }
    }

    @Test
    void aCancelledFileReceiveReportsTheBytesInTheFile(@TempDir Path dir) throws Exception {
        byte[] sent = random(100_000, 6);
        CountDownLatch arrived = new CountDownLatch(1);
        Path target = dir.resolve("received.bin");
        try (JavaLoopback pair = new JavaLoopback();
             FileChannel file = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            TransferFuture<?> receive = SocketFutures.recvFile(pair.server, file, 0, 1 << 20,
                    FileOptions.defaults().withProgress(at(sent.length, arrived)));
            SocketFutures.sendFrom(pair.client, ByteView.wrap(sent)).get(30, TimeUnit.SECONDS);
            assertTrue(arrived.await(30, TimeUnit.SECONDS));

            TransferReport report = cancelWithReport(receive);
            assertEquals(sent.length, report.transferred());
            assertEquals(1 << 20, report.byteCount());
        }
        assertEquals(ByteView.wrap(sent), ByteView.wrap(Files.readAllBytes(target)));
    }

    @Test
    void aCancelFromTheOperationsOwnProgressListenerReturnsAtOnceWithoutCounts() throws Exception {
        AtomicReference<TransferFuture<Long>> self = new AtomicReference<>();
        CountDownLatch started = new CountDownLatch(1);
        CompletableFuture<Boolean> cancelled = new CompletableFuture<>();
        Progress cancelling = Progress.every(Duration.ZERO, 1, (transferred, byteCount) -> {
            try {
                started.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            cancelled.complete(self.get().cancel(false));
        });
        try (JavaLoopback pair = new JavaLoopback()) {
            TransferFuture<Long> receive = SocketFutures.recvInto(pair.server, ByteView.allocate(10), null, cancelling);
            self.set(receive);
            started.countDown();
            SocketFutures.sendFrom(pair.client, ByteView.wrap(new byte[4])).get(30, TimeUnit.SECONDS);

            CancellationException thrown = assertThrows(CancellationException.class,
                    () -> receive.get(30, TimeUnit.SECONDS));
            assertFalse(thrown instanceof TransferCancellationException);
            assertTrue(thrown.getMessage().startsWith("cancelled from its own operation's thread"), thrown.getMessage());
            assertEquals(Boolean.TRUE, cancelled.get(30, TimeUnit.SECONDS), "what cancel returned in the listener");
            assertTrue(receive.isCancelled());
        }
    }

    @Test
    void anAcceptCancelledWhileItWaitsOnTheSelectorLeavesTheServerAccepting() throws Exception {
        try (SelectorManager selector = SocketFutures.selectorManager();
             ServerSocket listener = SocketFutures.bind(selector, new InetSocketAddress("127.0.0.1", 0))
                     .get(30, TimeUnit.SECONDS)) {
            CompletableFuture<Socket> waiting = SocketFutures.accept(listener);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while ((((Selectable) listener).getInterestedOps() & SelectInterest.ACCEPT.getFlag()) == 0) {
                assertTrue(System.nanoTime() < deadline, "the accept did not reach the selector in 30 s");
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertTrue(waiting.cancel(false));

            // Before the fix Ktor kept the cancelled select, and this accept failed with
            // "Handler for ACCEPT is already registered".
            JavaLoopback.assertAccepting(selector, listener);
        }
    }

    @Test
    void aCancelAfterTheOperationEndedChangesNothing() throws Exception {
        try (JavaLoopback pair = new JavaLoopback()) {
            TransferFuture<Long> sent = SocketFutures.sendFrom(pair.client, ByteView.wrap(new byte[] {1, 2, 3}));
            assertEquals(3, sent.get(30, TimeUnit.SECONDS));
            assertFalse(sent.cancel(true));
            assertFalse(sent.isCancelled());
            assertEquals(3, sent.join());
            CompletableFuture<Long> derived = sent.thenApply(n -> n + 1);
            assertEquals(4, derived.get(30, TimeUnit.SECONDS));
            assertFalse(derived instanceof TransferFuture, "a derived stage is a plain CompletableFuture");
        }
    }
}
