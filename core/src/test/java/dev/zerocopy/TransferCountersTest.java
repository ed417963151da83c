package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TransferCountersTest {

    @TempDir
    Path dir;

    @Test
    void fileTransfersAddTheirBytesByModeTheirFallbacksAndTheirEnds() throws Exception {
        byte[] content = Bytes.random(3 << 20, 11);
        Path file = Files.write(dir.resolve("content.bin"), content);
        TransferCounters before = TransferCounters.snapshot();

        try (FileChannel out = FileChannel.open(dir.resolve("copied.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFile(file, out, 0, 1_000_003, FileOptions.defaults().withMode(FileMode.COPY));
        }
        try (FileChannel out = FileChannel.open(dir.resolve("zero.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFile(file, out, 5, 2_000_005, FileOptions.defaults());
        }
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        ZeroCopy.sendFile(file, sink, 7, 123_457, FileOptions.defaults());
        assertArrayEquals(java.util.Arrays.copyOfRange(content, 7, 7 + 123_457), sink.bytes());

        TransferCounters after = TransferCounters.snapshot();
        assertEquals(2_000_005, after.zeroCopiedBytes() - before.zeroCopiedBytes());
        assertEquals(1_000_003 + 123_457, after.copiedBytes() - before.copiedBytes());
        assertEquals(3, after.started() - before.started());
        assertEquals(3, after.completed() - before.completed());
        assertEquals(0, after.failed() - before.failed());
        assertEquals(before.active(), after.active());
        Map<FallbackCode, Long> fallbacks = new EnumMap<>(FallbackCode.class);
        for (FallbackCode code : FallbackCode.values()) {
            fallbacks.put(code, after.fallbacks(code) - before.fallbacks(code));
        }
        Map<FallbackCode, Long> expected = new EnumMap<>(FallbackCode.class);
        for (FallbackCode code : FallbackCode.values()) {
            expected.put(code, 0L);
        }
        expected.put(FallbackCode.FORCED_COPY, 1L);
        expected.put(FallbackCode.NOT_A_JDK_CHANNEL, 1L);
        assertEquals(expected, fallbacks);
    }

    @Test
    void aReceiveThatEndsEarlyCountsAsFailedWithTheBytesItMoved() throws Exception {
        byte[] content = Bytes.random(50_000, 12);
        TransferCounters before = TransferCounters.snapshot();
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content));
            loopback.client.shutdownOutput();
            EndOfStreamException eof = assertThrows(EndOfStreamException.class, () ->
                    ZeroCopy.recvFile(loopback.server, dir.resolve("partial.bin"), 0, 60_000, FileOptions.defaults()));
            assertTrue(eof.getMessage().contains("50000"), eof.getMessage());
        }
        TransferCounters after = TransferCounters.snapshot();
        assertEquals(1, after.started() - before.started());
        assertEquals(0, after.completed() - before.completed());
        assertEquals(1, after.failed() - before.failed());
        assertEquals(before.active(), after.active());
        assertEquals(50_000, after.copiedBytes() - before.copiedBytes());
        assertEquals(1, after.fallbacks(FallbackCode.STREAM_RECEIVE) - before.fallbacks(FallbackCode.STREAM_RECEIVE));
    }

    @Test
    void aFileTransferAddsItsBytesEverySixteenStepsAndAllOfThemWhenItEnds() throws Exception {
        byte[] content = Bytes.random(40 * 4096 + 7, 13);
        Path file = Files.write(dir.resolve("chunks.bin"), content);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        TransferCounters before = TransferCounters.snapshot();
        try (FileChannel in = FileChannel.open(file);
                FileTransfer transfer = FileTransfer.send(in, 0, content.length, sink,
                        FileOptions.defaults().withMode(FileMode.COPY).withChunkSize(4096))) {
            for (int step = 1; step <= 17; step++) {
                assertEquals(4096, transfer.step());
            }
            assertEquals(16 * 4096, TransferCounters.snapshot().minus(before).copiedBytes(),
                    "added after the 16th step, not yet after the 17th");
            assertEquals(1, TransferCounters.snapshot().minus(before).active());
        }
        TransferCounters closed = TransferCounters.snapshot().minus(before);
        assertEquals(17 * 4096, closed.copiedBytes(), "closing part-way adds the bytes it moved");
        assertEquals(1, closed.failed());

        try (FileChannel in = FileChannel.open(file)) {
            ZeroCopy.sendFile(in, sink, 0, content.length,
                    FileOptions.defaults().withMode(FileMode.COPY).withChunkSize(4096));
        }
        TransferCounters after = TransferCounters.snapshot().minus(before);
        assertEquals(17 * 4096 + content.length, after.copiedBytes());
        assertEquals(1, after.completed());
        assertEquals(0, after.zeroCopiedBytes());
    }

    @Test
    void aReceiveThatWaitsForDataCountsItsWaits() throws Exception {
        TransferCounters before = TransferCounters.snapshot();
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            assertThrows(TransferTimeoutException.class, () ->
                    ZeroCopy.recvInto(loopback.server, ByteView.allocate(10), Duration.ofMillis(30)));
        }
        assertTrue(TransferCounters.snapshot().waits() > before.waits());
    }

    @Test
    void aSnapshotHasEveryCodeAndRejectsOneWithout() {
        assertEquals(FallbackCode.values().length, TransferCounters.snapshot().fallbacks().size());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () ->
                new TransferCounters(0, 0, Map.of(FallbackCode.FORCED_COPY, 1L), 0, 0, 0, 0, 0, 0));
        assertTrue(e.getMessage().startsWith("fallbacks has 1 of " + FallbackCode.values().length + " codes"),
                e.getMessage());
    }

    @Test
    void minusGivesWhatMovedBetweenTwoSnapshotsAndPlusAddsThemBack() {
        TransferCounters earlier = counters(100, 20, 3, 5, 4, 1, 7, 2, 1);
        TransferCounters later = counters(1_100, 70, 5, 9, 7, 1, 10, 6, 1);

        TransferCounters moved = later.minus(earlier);

        assertEquals(counters(1_000, 50, 2, 4, 3, 0, 3, 4, 0), moved);
        assertEquals(later, earlier.plus(moved));
    }

    private static TransferCounters counters(long zeroCopied, long copied, long forcedCopies, long started,
            long completed, long failed, long waits, long timeouts, long cancellations) {
        Map<FallbackCode, Long> fallbacks = new EnumMap<>(FallbackCode.class);
        for (FallbackCode code : FallbackCode.values()) {
            fallbacks.put(code, code == FallbackCode.FORCED_COPY ? forcedCopies : 0L);
        }
        return new TransferCounters(zeroCopied, copied, fallbacks, started, completed, failed, waits, timeouts,
                cancellations);
    }
}
