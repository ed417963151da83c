package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardSocketOptions;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The report of every transfer and its progress, on the blocking driver and on a caller's own stepping. */
@Timeout(60)
final class TransferReportTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({"ZERO_COPY, true", "ZERO_COPY, false", "COPY, true", "COPY, false"})
    void aFileSendReportsTheBytesOfEachModeAsTheReceiverGotThem(FileMode mode, boolean blocking) throws Exception {
        byte[] content = Bytes.random(9 << 20, 41);
        Path file = Files.write(dir.resolve("content.bin"), content);
        ByteView received = ByteView.allocateDirect(content.length);
        FileTransfer transfer;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, received));
            transfer = ZeroCopy.sendFile(file, loopback.server, 0, -1, FileOptions.defaults().withMode(mode));
            receiver.join();
        }
        assertEquals(ByteView.wrap(content), received);
        TransferReport report = transfer.report();
        assertEquals(content.length, report.transferred());
        assertEquals(content.length, report.byteCount());
        assertTrue(report.isComplete());
        assertEquals(mode, report.mode());
        // On a blocking socket a zero-copy send may write small pieces to wait for writability.
        assertEquals(content.length, report.zeroCopied() + report.copied());
        assertEquals(transfer.zeroCopied(), report.zeroCopied());
        if (mode == FileMode.COPY) {
            assertEquals(content.length, report.copied());
            assertEquals(FallbackCode.FORCED_COPY, report.fallbackCode());
        } else {
            assertNull(report.fallbackCode());
            assertTrue(report.zeroCopied() > content.length / 2, report.toString());
        }
        assertTrue(report.steps() >= 3, report.toString()); // at most 4 MiB a step
        assertTrue(report.zeroReturns() <= report.steps(), report.toString());
        assertTrue(report.durationNanos() > 0, report.toString());
        assertEquals(report.durationNanos(), transfer.report().durationNanos(), "a finished transfer's clock stopped");
    }

    @Test
    void aFileReceiveThatMeetsTheEndOfStreamCarriesTheReportOfTheBytesInTheFile() throws Exception {
        byte[] content = Bytes.random(300_000, 42);
        Path file = dir.resolve("received.bin");
        EndOfStreamException ended;
        try (Loopback loopback = Loopback.open();
                FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.READ)) {
            ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content));
            loopback.client.shutdownOutput();
            ended = assertThrows(EndOfStreamException.class, () -> ZeroCopy.recvFile(loopback.server, channel, 0,
                    1_000_000, FileOptions.defaults()));
        }
        TransferReport report = ended.report();
        assertEquals(content.length, report.transferred());
        assertEquals(1_000_000, report.byteCount());
        assertEquals(content.length, report.copied());
        assertEquals(FileMode.COPY, report.mode());
        assertEquals(FallbackCode.STREAM_RECEIVE, report.fallbackCode());
        assertTrue(report.steps() >= 2, report.toString()); // the one that met the end included
        assertArrayEquals(content, Files.readAllBytes(file));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aViewReceiveThatMeetsTheEndOfStreamCarriesItsReport(boolean blocking) throws Exception {
        byte[] content = Bytes.random(70_000, 43);
        ByteView view = ByteView.allocate(100_000);
        EndOfStreamException ended;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            Background<Long> sender = Background.start(() -> {
                long sent = ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content));
                loopback.client.shutdownOutput();
                return sent;
            });
            ended = assertThrows(EndOfStreamException.class, () -> ZeroCopy.recvInto(loopback.server, view));
            sender.join();
        }
        TransferReport report = ended.report();
        assertEquals(content.length, report.transferred());
        assertEquals(100_000, report.byteCount());
        assertNull(report.mode());
        assertEquals(0, report.zeroCopied() + report.copied());
        assertTrue(report.steps() >= 2, report.toString());
        if (!blocking) {
            assertEquals(report.zeroReturns(), report.waits(), report.toString());
        }
        assertEquals(ByteView.wrap(content), view.slice(0, content.length));
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aTimeoutCarriesTheReportOfTheBytesThatArrived(boolean blocking) throws Exception {
        byte[] content = Bytes.random(5_000, 44);
        ByteView view = ByteView.allocate(10_000);
        long timeoutsBefore = TransferCounters.snapshot().timeouts();
        TransferTimeoutException timedOut;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content));
            timedOut = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvInto(loopback.server, view, Duration.ofMillis(300)));
            assertEquals(!blocking, loopback.server.isOpen(), "a blocking channel is closed at the deadline");
        }
        assertEquals(content.length, timedOut.report().transferred());
        assertEquals(content.length, timedOut.transferred());
        assertTrue(timedOut.getMessage().startsWith("timed out after 300 ms with 5000 of 10000 bytes received"),
                timedOut.getMessage());
        if (!blocking) {
            assertTrue(timedOut.report().waits() >= 1, timedOut.report().toString());
        }
        assertTrue(TransferCounters.snapshot().timeouts() >= timeoutsBefore + 1);
        assertEquals(ByteView.wrap(content), view.slice(0, content.length));
    }

    @Test
    void aPeerResetCarriesTheReportOfTheBytesSent() throws Exception {
        ByteView view = ByteView.wrap(Bytes.random(32 << 20, 45));
        TransferException failed;
        try (Loopback loopback = Loopback.open()) {
            loopback.server.setOption(StandardSocketOptions.SO_SNDBUF, 64 << 10);
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(loopback.server, view));
            ByteView first = ByteView.allocate(100_000);
            ZeroCopy.recvInto(loopback.client, first);
            loopback.client.setOption(StandardSocketOptions.SO_LINGER, 0);
            loopback.client.close(); // unread bytes in the buffer: the kernel resets the connection
            failed = assertThrows(TransferException.class, sender::join);
        }
        TransferReport report = failed.report();
        assertTrue(report.transferred() >= 100_000 && report.transferred() < view.size(), report.toString());
        assertEquals(view.size(), report.byteCount());
        assertTrue(failed.getMessage().startsWith("failed after " + report.transferred() + " of " + view.size()),
                failed.getMessage());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void aProgressListenerIsToldAtMostEveryNBytesAndLastTheExactTotal(boolean blocking) throws Exception {
        byte[] content = Bytes.random(16 << 20, 46);
        List<long[]> calls = new ArrayList<>();
        Progress progress = Progress.every(Duration.ZERO, 4 << 20,
                (transferred, byteCount) -> calls.add(new long[] {transferred, byteCount}));
        ByteView received = ByteView.allocateDirect(content.length);
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, received));
            ZeroCopy.sendFrom(loopback.server, List.of(ByteView.wrap(content)), null, progress);
            receiver.join();
        }
        assertEquals(ByteView.wrap(content), received);
        assertTrue(calls.size() >= 2 && calls.size() <= 5, calls.size() + " calls");
        long previous = 0;
        for (int i = 0; i < calls.size() - 1; i++) {
            assertTrue(calls.get(i)[0] - previous >= 4 << 20, "call " + i + " came after fewer than 4 MiB");
            previous = calls.get(i)[0];
        }
        assertArrayEquals(new long[] {content.length, content.length}, calls.get(calls.size() - 1));
    }

    @Test
    void aProgressListenerIsToldAtMostOncePerInterval() throws Exception {
        byte[] content = Bytes.random(2 << 20, 47);
        List<Long> times = new ArrayList<>();
        Progress progress = Progress.every(Duration.ofMillis(40), 1, (transferred, byteCount) -> times.add(System.nanoTime()));
        ByteView received = ByteView.allocate(content.length);
        long start;
        long end;
        try (Loopback loopback = Loopback.open()) {
            // A slow reader: 64 KiB every 10 ms, so the sender steps hundreds of times.
            Background<Long> receiver = Background.start(() -> {
                for (long at = 0; at < content.length; at += 64 << 10) {
                    ZeroCopy.recvInto(loopback.client, received.slice(at, Math.min(content.length, at + (64 << 10))));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                }
                return (long) content.length;
            });
            loopback.server.setOption(StandardSocketOptions.SO_SNDBUF, 16 << 10);
            start = System.nanoTime();
            ZeroCopy.sendFrom(loopback.server, List.of(ByteView.wrap(content)), null, progress);
            end = System.nanoTime();
            receiver.join();
        }
        assertEquals(ByteView.wrap(content), received);
        for (int i = 1; i < times.size() - 1; i++) {
            assertTrue(times.get(i) - times.get(i - 1) >= TimeUnit.MILLISECONDS.toNanos(40), "calls " + i + " apart "
                    + (times.get(i) - times.get(i - 1)) + " ns");
        }
        assertTrue(times.size() <= (end - start) / TimeUnit.MILLISECONDS.toNanos(40) + 2, times.size() + " calls");
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anIdleTimeoutEndsAStalledSendWithItsReport(boolean blocking) throws Exception {
        ByteView view = ByteView.wrap(Bytes.random(16 << 20, 48));
        TransferTimeoutException stalled;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            loopback.server.setOption(StandardSocketOptions.SO_SNDBUF, 64 << 10);
            // Nobody reads: the send fills the buffers and makes no more progress.
            long start = System.nanoTime();
            stalled = assertThrows(TransferTimeoutException.class, () -> ZeroCopy.sendFrom(loopback.server,
                    List.of(view), Duration.ofSeconds(30), Progress.ofIdleTimeout(Duration.ofMillis(300))));
            long took = System.nanoTime() - start;
            assertTrue(took < TimeUnit.SECONDS.toNanos(10), took + " ns");
            assertEquals(!blocking, loopback.server.isOpen(), "a blocking channel is closed at the idle timeout");
            if (!blocking) {
                // Exactly the bytes reported went out: drain them.
                long sent = stalled.report().transferred();
                ByteView received = ByteView.allocateDirect(sent);
                ZeroCopy.recvInto(loopback.client, received);
                assertEquals(view.slice(0, sent), received);
            }
        }
        assertTrue(stalled.getMessage().startsWith("no progress for 300 ms (the idle timeout) after "
                + stalled.report().transferred() + " of " + view.size() + " bytes sent"), stalled.getMessage());
        assertTrue(stalled.report().transferred() > 0, stalled.report().toString());
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void anIdleTimeoutDoesNotCutASlowReceiveThatKeepsMoving(boolean blocking) throws Exception {
        byte[] content = Bytes.random(40_000, 49);
        ByteView view = ByteView.allocate(content.length);
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            // 4 KiB every 60 ms: about 600 ms in all, twice the idle timeout, each gap a fifth of it.
            Background<Long> sender = Background.start(() -> {
                for (int at = 0; at < content.length; at += 4096) {
                    ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content, at, Math.min(4096, content.length - at)));
                    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(60));
                }
                return (long) content.length;
            });
            long[] last = new long[1];
            assertEquals(content.length, ZeroCopy.recvInto(loopback.server, view, null,
                    Progress.every(Duration.ZERO, 1, (transferred, byteCount) -> last[0] = transferred)
                            .withIdleTimeout(Duration.ofMillis(300))));
            sender.join();
            assertEquals(content.length, last[0]);
        }
        assertEquals(ByteView.wrap(content), view);
    }

    @ParameterizedTest
    @CsvSource({"ZERO_COPY, true", "ZERO_COPY, false", "COPY, true"})
    void aFileSendToAStalledReaderEndsAtItsIdleTimeoutWithTheBytesOfEachMode(FileMode mode, boolean blocking)
            throws Exception {
        byte[] content = Bytes.random(32 << 20, 51);
        Path file = Files.write(dir.resolve("content.bin"), content);
        long[] told = new long[1];
        TransferTimeoutException stalled;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            loopback.server.setOption(StandardSocketOptions.SO_SNDBUF, 64 << 10);
            ByteView first = ByteView.allocateDirect(1 << 20);
            // The reader takes 1 MiB, then stops: the send stalls with the socket buffers full.
            Background<Long> reader = Background.start(() -> ZeroCopy.recvInto(loopback.client, first));
            stalled = assertThrows(TransferTimeoutException.class, () -> ZeroCopy.sendFile(file, loopback.server, 0, -1,
                    FileOptions.defaults().withMode(mode).withProgress(Progress.every(Duration.ZERO, 1,
                            (transferred, byteCount) -> told[0] = transferred).withIdleTimeout(Duration.ofMillis(400)))));
            reader.join();
            assertEquals(ByteView.wrap(content, 0, 1 << 20), first);
        }
        TransferReport report = stalled.report();
        assertTrue(report.transferred() >= 1 << 20 && report.transferred() < content.length, report.toString());
        assertEquals(report.transferred(), report.zeroCopied() + report.copied());
        assertEquals(mode, report.mode());
        if (mode == FileMode.COPY) {
            assertEquals(FallbackCode.FORCED_COPY, report.fallbackCode());
        }
        assertTrue(told[0] > 0 && told[0] <= report.transferred(), told[0] + " told, " + report);
        assertTrue(stalled.getMessage().startsWith("no progress for 400 ms (the idle timeout) after "
                + report.transferred()), stalled.getMessage());
    }

    @Test
    void aCallerSteppingATransferReadsItsStepsZeroReturnsAndProgress() throws Exception {
        byte[] content = Bytes.random(3 << 20, 50);
        ByteView received = ByteView.allocateDirect(content.length);
        List<Long> told = new ArrayList<>();
        try (Loopback loopback = Loopback.open().nonBlocking(); Selector selector = Selector.open()) {
            Transfer send = Transfer.send(loopback.server, ByteView.wrap(content))
                    .progress(Progress.every(Duration.ZERO, 1 << 20, (transferred, byteCount) -> told.add(transferred)));
            Transfer recv = Transfer.receive(loopback.client, received);
            loopback.server.register(selector, SelectionKey.OP_WRITE, send);
            loopback.client.register(selector, SelectionKey.OP_READ, recv);
            long zeroes = 0;
            while (!send.isComplete() || !recv.isComplete()) {
                selector.select(1000);
                for (SelectionKey key : selector.selectedKeys()) {
                    Transfer transfer = (Transfer) key.attachment();
                    if (!transfer.isComplete() && transfer.step() == 0) {
                        zeroes += transfer == send ? 1 : 0;
                    }
                }
                selector.selectedKeys().clear();
            }
            TransferReport report = send.report();
            assertEquals(content.length, report.transferred());
            assertEquals(zeroes, report.zeroReturns());
            assertEquals(0, report.waits(), "the caller waited, not the library");
            assertTrue(report.steps() >= 3, report.toString());
        }
        assertEquals(ByteView.wrap(content), received);
        assertEquals(content.length, (long) told.get(told.size() - 1));
        assertTrue(told.size() <= 4, told.toString());
    }

    @Test
    void aReportRefusesCountsThatDoNotAddUp() {
        assertThrows(IllegalArgumentException.class, () -> TransferReport.of(11, 10));
        assertThrows(IllegalArgumentException.class,
                () -> new TransferReport(10, 10, 6, 6, FileMode.COPY, null, null, 1, 0, 0, 0));
        TransferReport report = TransferReport.of(3, 10);
        assertFalse(report.isComplete());
        assertEquals("3 of 10 bytes (0 zero-copy, 0 copied) in 0 steps (0 moved nothing), 0 waits, 0 us",
                report.toString());
    }

    @Test
    void progressRefusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Progress.every(Duration.ofMillis(-1), 1, (t, c) -> { }));
        assertThrows(IllegalArgumentException.class, () -> Progress.every(Duration.ZERO, 0, (t, c) -> { }));
        assertThrows(IllegalArgumentException.class, () -> Progress.ofIdleTimeout(Duration.ZERO));
        assertNull(Progress.ofIdleTimeout(Duration.ofSeconds(1)).withIdleTimeout(null).idleTimeout());
    }
}
