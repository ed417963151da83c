package dev.zerocopy.ktor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.zerocopy.ByteView;
import dev.zerocopy.EndOfStreamException;
import dev.zerocopy.FileMode;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.ViewPool;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The facade as plain Java sees it: futures, no coroutines. */
@Timeout(60)
final class SocketFuturesTest {

    private static byte[] random(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    @Test
    void viewsFramesAndFilesCrossThroughFutures(@TempDir Path dir) throws Exception {
        byte[] bytes = random(4 << 20, 41);
        ByteView payload = ByteView.wrap(bytes).readOnly();
        Path file = Files.write(dir.resolve("data.bin"), bytes);
        try (JavaLoopback pair = new JavaLoopback()) {
            CompletableFuture<Long> sent = SocketFutures.sendFrom(pair.getClient(), List.of(payload.slice(0, 10), payload.slice(10)))
                    .thenCompose(n -> SocketFutures.sendFrame(pair.getClient(), payload.slice(0, 100)).thenApply(m -> n + m))
                    .thenCompose(n -> SocketFutures.sendFile(pair.getClient(), file).thenApply(t -> n + t.transferred()));

            ByteView whole = ByteView.allocateDirect(bytes.length);
            assertEquals(bytes.length, SocketFutures.recvInto(pair.getServer(), whole).get(30, TimeUnit.SECONDS));
            assertEquals(payload, whole);
            assertEquals(payload.slice(0, 100), SocketFutures.recvFrame(pair.getServer(), 100).get(30, TimeUnit.SECONDS));
            try (FileChannel copy = FileChannel.open(dir.resolve("copy.bin"), StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE)) {
                FileTransfer received = SocketFutures.recvFile(pair.getServer(), copy, 0, bytes.length).get(30, TimeUnit.SECONDS);
                assertEquals(FileMode.COPY, received.mode());
            }
            assertEquals(2L * bytes.length + 8 + 100, sent.get(30, TimeUnit.SECONDS));
            assertEquals(payload, ByteView.wrap(Files.readAllBytes(dir.resolve("copy.bin"))));
        }
    }

    @Test
    void aPooledFrameArrivesThroughAFutureAndGoesBackOnClose() throws Exception {
        ViewPool pool = new ViewPool(1 << 20);
        ByteView payload = ByteView.wrap(random(5000, 42)).readOnly();
        try (JavaLoopback pair = new JavaLoopback()) {
            SocketFutures.sendFrame(pair.getClient(), payload).get(30, TimeUnit.SECONDS);

            try (ByteView received = SocketFutures.recvFrame(pair.getServer(), 5000, pool).get(30, TimeUnit.SECONDS)) {
                assertEquals(payload, received);
                assertEquals(1, pool.figures().viewsOut());
            }
        }
        assertEquals(0, pool.figures().viewsOut());
    }

    @Test
    void aFailureCompletesTheFutureWithTheDocumentedException() throws Exception {
        try (JavaLoopback pair = new JavaLoopback()) {
            CompletableFuture<Long> receive = SocketFutures.recvInto(pair.getServer(), ByteView.allocate(10));
            SocketFutures.sendFrom(pair.getClient(), ByteView.wrap(new byte[4])).get(30, TimeUnit.SECONDS);
            pair.getClient().close();
            ExecutionException failed = assertThrows(ExecutionException.class, () -> receive.get(30, TimeUnit.SECONDS));
            EndOfStreamException end = assertInstanceOf(EndOfStreamException.class, failed.getCause());
            assertEquals("stream ended after 4 of 10 bytes", end.getMessage());
        }
    }

    @Test
    void cancellingAFutureCancelsTheWaitingReceiveAndTheSocketStaysUsable() throws Exception {
        try (JavaLoopback pair = new JavaLoopback()) {
            CompletableFuture<Integer> waiting = SocketFutures.recvSome(pair.getServer(), ByteView.allocate(10));
            assertFalse(waiting.isDone());
            waiting.cancel(true);
            assertThrows(CancellationException.class, waiting::join);

            SocketFutures.sendFrom(pair.getClient(), ByteView.wrap(new byte[] {7, 8, 9})).get(30, TimeUnit.SECONDS);
            ByteView into = ByteView.allocate(3);
            assertEquals(3, SocketFutures.recvInto(pair.getServer(), into).get(30, TimeUnit.SECONDS));
            assertEquals(ByteView.wrap(new byte[] {7, 8, 9}), into);
        }
    }
}
