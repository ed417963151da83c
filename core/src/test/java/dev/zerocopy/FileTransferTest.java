package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.internal.BufferPool;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

final class FileTransferTest {

    private static final long GIB = 1L << 30;

    @TempDir
    Path dir;

    private long outstandingBefore;

    @BeforeEach
    void notePoolBalance() {
        outstandingBefore = BufferPool.shared().outstanding();
    }

    @AfterEach
    void everyPathReturnsItsBuffers() {
        assertEquals(outstandingBefore, BufferPool.shared().outstanding(), "pooled buffers not returned");
    }

    @ParameterizedTest
    @CsvSource({"ZERO_COPY, true", "ZERO_COPY, false", "COPY, true", "COPY, false", "AUTO, true", "AUTO, false"})
    void sendsA64MebibyteFileRangeAtOddPositionsInEachMode(FileMode mode, boolean blocking) throws Exception {
        byte[] content = Bytes.random(64 << 20, 31);
        Path file = Files.write(dir.resolve("content.bin"), content);
        int offset = 12_345;
        int count = content.length - offset - 777;
        ByteView received = ByteView.allocateDirect(count);
        FileTransfer transfer;
        try (Loopback loopback = blocking ? Loopback.open() : Loopback.open().nonBlocking()) {
            Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, received));
            transfer = ZeroCopy.sendFile(file, loopback.server, offset, count,
                    FileOptions.defaults().withMode(mode).withChunkSize(mode == FileMode.COPY ? 65_536 + 7 : 1 << 20));
            assertEquals(count, receiver.join());
        }
        assertEquals(ByteView.wrap(content, offset, count), received);
        assertEquals(count, transfer.transferred());
        if (mode == FileMode.AUTO) {
            assertTrue(transfer.autoReason().contains("peers on this machine"), transfer.autoReason());
            assertEquals(count, transfer.zeroCopied() + transfer.copied());
        } else {
            assertEquals(mode, transfer.mode());
            assertNull(transfer.fallbackReason());
            assertEquals(mode == FileMode.ZERO_COPY ? count : 0, transfer.zeroCopied());
        }
    }

    @Test
    void automaticModeIntoACustomChannelFallsBackAndSaysWhy() throws Exception {
        byte[] content = Bytes.random(3 << 20, 32);
        Path file = Files.write(dir.resolve("content.bin"), content);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();

        FileTransfer transfer = ZeroCopy.sendFile(file, sink);

        assertEquals(FileMode.COPY, transfer.mode());
        assertEquals("dev.zerocopy.TestChannels$RecordingSink is not a JDK channel: transferTo would emulate"
                + " itself with an 8 KiB heap buffer", transfer.fallbackReason());
        assertEquals(content.length, transfer.transferred());
        assertArrayEquals(content, sink.bytes());
    }

    @Test
    void automaticModeIntoAFileUsesZeroCopy() throws Exception {
        byte[] content = Bytes.random(9 << 20, 33);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Path copy = dir.resolve("copy.bin");
        FileTransfer transfer;
        try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            transfer = ZeroCopy.sendFile(file, out, 5, content.length - 5, FileOptions.defaults());
        }
        assertEquals(FileMode.ZERO_COPY, transfer.mode());
        assertNull(transfer.fallbackReason());
        assertEquals(content.length - 5, transfer.zeroCopied());
        assertArrayEquals(Arrays.copyOfRange(content, 5, content.length), Files.readAllBytes(copy));
    }

    @Test
    void aFallbackMidTransferContinuesFromTheExactByte() throws Exception {
        byte[] content = Bytes.random(11 << 20, 34);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Path copy = dir.resolve("copy.bin");
        FileTransfer transfer;
        try (FileChannel in = new FailingFileChannel(FileChannel.open(file), 2);
                FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            transfer = ZeroCopy.sendFile(in, out, 3, content.length - 3, FileOptions.defaults());
        }
        assertEquals(FileMode.COPY, transfer.mode());
        assertEquals(2 * FileTransfer.ZERO_COPY_STEP, transfer.zeroCopied());
        assertEquals("transferTo failed after 8388608 bytes: java.io.IOException: Operation not supported",
                transfer.fallbackReason());
        assertArrayEquals(Arrays.copyOfRange(content, 3, content.length), Files.readAllBytes(copy));
    }

    @Test
    void aForcedZeroCopyDoesNotFallBack() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(1 << 20, 35));
        try (FileChannel in = new FailingFileChannel(FileChannel.open(file), 0);
                FileChannel out = FileChannel.open(dir.resolve("copy.bin"), StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.WRITE)) {
            TransferException failure = assertThrows(TransferException.class, () -> ZeroCopy.sendFile(in, out, 0, -1,
                    FileOptions.defaults().withMode(FileMode.ZERO_COPY)));
            assertEquals("Operation not supported", failure.getCause().getMessage());
            assertEquals("failed after 0 of 1048576 file bytes sent: java.io.IOException: Operation not supported",
                    failure.getMessage());
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void aFileTruncatedDuringTheTransferFailsWithItsSizeAndTheBytesSent(FileMode mode) throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(64 << 20, 36));
        try (Loopback loopback = Loopback.open(); FileChannel in = FileChannel.open(file)) {
            Background<FileTransfer> sender = Background.start(() -> {
                try (loopback.server) {
                    return ZeroCopy.sendFile(in, loopback.server, 0, 64 << 20,
                            FileOptions.defaults().withMode(mode));
                }
            });
            ZeroCopy.recvInto(loopback.client, ByteView.allocateDirect(1 << 20));
            try (FileChannel truncating = FileChannel.open(file, StandardOpenOption.WRITE)) {
                truncating.truncate(1 << 20);
            }
            long drained = 1 << 20;
            ByteView sink = ByteView.allocateDirect(1 << 20);
            for (int n; (n = ZeroCopy.recvSome(loopback.client, sink)) > 0; ) {
                drained += n;
            }

            TransferException shrank = assertThrows(TransferException.class, sender::join);

            assertTrue(shrank.getMessage().startsWith("file shrank to 1048576 bytes, below the end of the range"
                    + " [0, 67108864): " + drained + " of 67108864 bytes sent"), shrank.getMessage());
            assertEquals(drained, shrank.transferred());
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void aRangePastTwoGibibytesOfASparseFileArrivesIntact(FileMode mode) throws Exception {
        Path file = dir.resolve("sparse.bin");
        byte[] data = Bytes.random(3 << 20, 37);
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(5 * GIB);
            sparse.seek(3 * GIB);
            sparse.write(data);
        }
        int count = 5 << 20;
        ByteView received = ByteView.allocateDirect(count);
        FileTransfer transfer;
        try (Loopback loopback = Loopback.open()) {
            Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, received));
            transfer = ZeroCopy.sendFile(file, loopback.server, 3 * GIB - (1 << 20), count,
                    FileOptions.defaults().withMode(mode));
            receiver.join();
        }
        assertEquals(count, transfer.transferred());
        assertEquals(ByteView.allocate(1 << 20), received.slice(0, 1 << 20));
        assertEquals(ByteView.wrap(data), received.slice(1 << 20, 4 << 20));
        assertEquals(ByteView.allocate(1 << 20), received.slice(4 << 20));
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void aTransferOfMoreThanFourGibibytesCountsEveryByte(FileMode mode) throws Exception {
        Path file = dir.resolve("sparse.bin");
        try (RandomAccessFile sparse = new RandomAccessFile(file.toFile(), "rw")) {
            sparse.setLength(5 * GIB);
        }
        long count = 4 * GIB + (1 << 20) + 3;
        try (FileChannel devNull = FileChannel.open(Path.of("/dev/null"), StandardOpenOption.WRITE)) {
            FileTransfer transfer = ZeroCopy.sendFile(file, devNull, GIB / 2, count,
                    FileOptions.defaults().withMode(mode));
            assertEquals(count, transfer.transferred());
            assertEquals(mode == FileMode.ZERO_COPY ? count : 0, transfer.zeroCopied());
        }
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void aSenderWaitingForASlowReceiverSleepsInsteadOfSpinning(FileMode mode) throws Exception {
        byte[] content = Bytes.random(8 << 20, 38);
        Path file = Files.write(dir.resolve("content.bin"), content);
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            // Small socket buffers, so that the sender really waits for the reader most of the time
            // (with autotuned loopback buffers most of the 8 MiB fits at once, the sender ends within
            // a few tens of ms, and its start-up CPU alone could exceed the share allowed below).
            loopback.server.setOption(StandardSocketOptions.SO_SNDBUF, 64 << 10);
            loopback.client.setOption(StandardSocketOptions.SO_RCVBUF, 64 << 10);
            Background<long[]> sender = Background.start(() -> {
                long cpu = threads.getCurrentThreadCpuTime();
                long wall = System.nanoTime();
                ZeroCopy.sendFile(file, loopback.server, 0, -1, FileOptions.defaults().withMode(mode));
                return new long[] {threads.getCurrentThreadCpuTime() - cpu, System.nanoTime() - wall};
            });
            ByteView received = ByteView.allocateDirect(content.length);
            int total = 0;
            while (total < content.length) {
                // The receiver is slow on purpose: a little every 10 ms.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
                int chunk = Math.min(256 << 10, content.length - total);
                total += (int) ZeroCopy.recvInto(loopback.client, received.slice(total, total + chunk),
                        Duration.ofSeconds(30));
            }
            long[] cpuAndWall = sender.join();
            assertEquals(ByteView.wrap(content), received);
            assertTrue(cpuAndWall[0] < cpuAndWall[1] / 4,
                    "sender used " + cpuAndWall[0] + " ns of CPU in " + cpuAndWall[1] + " ns");
        }
    }

    @ParameterizedTest
    @EnumSource(FileMode.class)
    void recvFileWritesIntoTheFileAtAnOffsetAndLeavesTheRestAlone(FileMode mode) throws Exception {
        byte[] payload = Bytes.random((10 << 20) + 5, 39);
        Path file = Files.write(dir.resolve("target.bin"), Bytes.filled(2000, 0x55));
        FileTransfer transfer;
        try (Loopback loopback = Loopback.open();
                FileChannel out = FileChannel.open(file, StandardOpenOption.WRITE)) {
            out.position(17);
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(loopback.server, ByteView.wrap(payload)));
            transfer = ZeroCopy.recvFile(loopback.client, out, 1000, payload.length,
                    FileOptions.defaults().withMode(mode));
            sender.join();
            assertEquals(17, out.position(), "positional: the channel's position is untouched");
        }
        byte[] written = Files.readAllBytes(file);
        assertArrayEquals(Bytes.filled(1000, 0x55), Arrays.copyOf(written, 1000));
        assertArrayEquals(payload, Arrays.copyOfRange(written, 1000, written.length));
        assertEquals(payload.length, transfer.transferred());
        assertEquals(mode == FileMode.AUTO ? FileMode.COPY : mode, transfer.mode());
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void recvFileFromAPeerThatClosesEarlyKeepsWhatArrived(FileMode mode) throws Exception {
        byte[] payload = Bytes.random(3000, 40);
        Path file = dir.resolve("target.bin");
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(payload));
            loopback.server.shutdownOutput();

            EndOfStreamException eof = assertThrows(EndOfStreamException.class, () -> ZeroCopy.recvFile(
                    loopback.client, file, 100, 10_000, FileOptions.defaults().withMode(mode)));

            assertEquals("stream ended after 3000 of 10000 bytes (they are in the file from position 100)",
                    eof.getMessage());
        }
        byte[] written = Files.readAllBytes(file);
        assertEquals(3100, written.length);
        assertArrayEquals(payload, Arrays.copyOfRange(written, 100, 3100));
    }

    @Test
    void badRangesAreRefusedWithTheNumbersAndAnEmptyRangeSendsNothing() throws Exception {
        Path file = Files.write(dir.resolve("small.bin"), new byte[100]);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        FileOptions options = FileOptions.defaults();

        assertEquals("range [101, 101) extends past the end of a file of 100 bytes",
                assertThrows(IllegalArgumentException.class,
                        () -> ZeroCopy.sendFile(file, sink, 101, -1, options)).getMessage());
        assertEquals("range [50, 151) extends past the end of a file of 100 bytes",
                assertThrows(IllegalArgumentException.class,
                        () -> ZeroCopy.sendFile(file, sink, 50, 101, options)).getMessage());
        assertEquals("offset and count must be >= 0, were 0 and -2",
                assertThrows(IllegalArgumentException.class,
                        () -> ZeroCopy.sendFile(file, sink, 0, -2, options)).getMessage());
        assertEquals("offset and count must be >= 0, were -1 and 5",
                assertThrows(IllegalArgumentException.class,
                        () -> ZeroCopy.recvFile(TestChannels.source(new byte[5]), file, -1, 5, options)).getMessage());
        assertEquals(0, ZeroCopy.sendFile(file, sink, 100, -1, options).transferred());
        assertEquals(0, ZeroCopy.sendFile(file, sink, 40, 0, options).transferred());
        assertEquals(0, sink.calls());
    }

    @Test
    void rangesThatOverflowAFilePositionAreRefusedWithTheNumbers() throws Exception {
        Path file = Files.write(dir.resolve("small.bin"), new byte[100]);
        FileOptions options = FileOptions.defaults();

        assertEquals("offset 9223372036854775797 + count 100 overflows a file position",
                assertThrows(IllegalArgumentException.class, () -> ZeroCopy.recvFile(
                        TestChannels.source(new byte[100]), file, Long.MAX_VALUE - 10, 100, options)).getMessage());
        assertEquals("offset and count must be >= 0, were -5 and -1",
                assertThrows(IllegalArgumentException.class, () -> ZeroCopy.sendFile(
                        file, new TestChannels.RecordingSink(), -5, -1, options)).getMessage());
        assertEquals(100, Files.size(file), "nothing was written");
    }

    @Test
    void automaticModeTreatsAUnixDomainPeerAsLocal() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(1 << 20, 44));
        java.net.UnixDomainSocketAddress address = java.net.UnixDomainSocketAddress.of(dir.resolve("socket"));
        try (var listener = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            listener.bind(address);
            try (var client = java.nio.channels.SocketChannel.open(address); var server = listener.accept();
                    FileChannel in = FileChannel.open(file);
                    FileTransfer transfer = FileTransfer.send(in, 0, -1, server, FileOptions.defaults())) {
                assertTrue(transfer.autoReason().contains("peers on this machine"), transfer.autoReason());
                assertTrue(client.isConnected());
            }
        }
    }

    @Test
    void sendFileLeavesTheChannelPositionAlone() throws Exception {
        byte[] content = Bytes.random(1 << 20, 41);
        Path file = Files.write(dir.resolve("content.bin"), content);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        try (FileChannel in = FileChannel.open(file)) {
            in.position(7);
            ZeroCopy.sendFile(in, sink, 10);
            assertEquals(7, in.position());
        }
        assertArrayEquals(Arrays.copyOfRange(content, 10, content.length), sink.bytes());
    }

    @Test
    void aTimedOutSendFileNamesTheBytesSentAndReturnsItsBuffer() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(64 << 20, 42));
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.sendFile(file, loopback.server, 0, -1, FileOptions.defaults()
                            .withMode(FileMode.COPY).withTimeout(Duration.ofMillis(300))));
            assertTrue(timeout.transferred() > 0);
            assertEquals("timed out after 300 ms with " + timeout.transferred() + " of 67108864 file bytes sent",
                    timeout.getMessage());
        }
    }

    /**
     * The documented limit: on JDK 17, closing a blocking pipe does not wake a platform thread's
     * {@code transferTo} blocked in the kernel (a splice into a full pipe), so the deadline closes
     * the pipe on time but the call ends only when the reader makes room. JDK 25 wakes it.
     */
    @Test
    void aZeroCopySendToAFullBlockingPipeEndsAtItsDeadlineOnlyOnceTheReaderMakesRoom() throws Exception {
        int jdk = Runtime.version().feature();
        assumeTrue(jdk == 17 || jdk >= 25, "measured on JDK 17 and 25 only, not on " + jdk);
        byte[] content = Bytes.random(4 << 20, 44);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            Background<FileTransfer> sender = Background.start(() -> ZeroCopy.sendFile(file, sink, 0, -1,
                    FileOptions.defaults().withMode(FileMode.ZERO_COPY).withTimeout(Duration.ofMillis(200))));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (sink.isOpen() && System.nanoTime() < deadline) {
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
            }
            assertFalse(sink.isOpen(), "the deadline closes the pipe");
            if (jdk == 17) {
                // Closed, and still in the kernel: nothing reads, so the splice has no room to write into.
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300));
                assertTrue(Arrays.stream(sender.thread.getStackTrace())
                        .anyMatch(frame -> frame.getMethodName().equals("transferTo0")), "blocked in transferTo");
            }
            ByteArrayOutputStream received = new ByteArrayOutputStream();
            ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
            while (source.read(buffer.clear()) >= 0) {
                received.write(buffer.array(), 0, buffer.position());
            }
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class, sender::join);
            assertEquals(received.size(), timeout.transferred(), timeout.getMessage());
            assertTrue(jdk == 17 ? timeout.transferred() > 0 : timeout.getCause() instanceof AsynchronousCloseException,
                    timeout + " caused by " + timeout.getCause());
            assertTrue(timeout.getMessage().endsWith("(the blocking channel was closed at the deadline)"),
                    timeout.getMessage());
            assertArrayEquals(Arrays.copyOf(content, received.size()), received.toByteArray());
        }
    }

    @Test
    void anAbandonedTransferReturnsItsBufferWhenClosed() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(16 << 20, 43));
        try (Loopback loopback = Loopback.open().nonBlocking(); FileChannel in = FileChannel.open(file)) {
            FileTransfer transfer = FileTransfer.send(in, 0, 16 << 20, loopback.server,
                    FileOptions.defaults().withMode(FileMode.COPY));
            while (transfer.step() > 0) {
                assertTrue(transfer.transferred() < 16 << 20);
            }
            assertEquals(outstandingBefore + 1, BufferPool.shared().outstanding(),
                    "a stalled copy send holds the chunk it has not finished writing");

            transfer.close();
            transfer.close();

            assertEquals(outstandingBefore, BufferPool.shared().outstanding());
            assertEquals("closed after " + transfer.transferred() + " of 16777216 bytes",
                    assertThrows(IllegalStateException.class, transfer::step).getMessage());
        }
    }

    @Test
    void aFailedCopyReceiveReturnsItsBuffer() throws Exception {
        Path file = dir.resolve("target.bin");
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                FileTransfer transfer = FileTransfer.receive(TestChannels.source(new byte[10]), out, 0, 20,
                        FileOptions.defaults().withMode(FileMode.COPY))) {
            assertEquals(10, transfer.step());
            assertThrows(EndOfStreamException.class, transfer::step);
            assertEquals(outstandingBefore, BufferPool.shared().outstanding());
        }
        assertEquals(10, Files.size(file));
    }
}
