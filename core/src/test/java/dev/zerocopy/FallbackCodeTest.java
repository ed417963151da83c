package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.Blocking;
import dev.zerocopy.internal.Calibration;
import dev.zerocopy.internal.Deadline;
import java.io.EOFException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

final class FallbackCodeTest {

    @TempDir
    Path dir;

    @Test
    void sendsToAThousandAndOneDistinctChannelsGiveOneCodeBesideDistinctReasons() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(100, 1));
        Set<String> reasons = new HashSet<>();
        Set<FallbackCode> codes = EnumSet.noneOf(FallbackCode.class);
        try (FileChannel in = FileChannel.open(file)) {
            for (int i = 0; i < 1_001; i++) {
                FileTransfer transfer = ZeroCopy.sendFile(in, new NamedSink("peer 10.0." + (i >> 8) + "." + (i & 255)),
                        0, 100, FileOptions.defaults());
                assertEquals(100, transfer.transferred());
                reasons.add(transfer.fallbackReason());
                codes.add(transfer.fallbackCode());
            }
        }
        assertEquals(1_001, reasons.size());
        assertEquals(EnumSet.of(FallbackCode.NOT_A_JDK_CHANNEL), codes);
    }

    @Test
    void aForcedCopyHasItsCodeAndNoReason() throws Exception {
        byte[] content = Bytes.random(300_000, 2);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Path copy = dir.resolve("copy.bin");
        FileTransfer transfer;
        try (FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            transfer = ZeroCopy.sendFile(file, out, 0, content.length, FileOptions.defaults().withMode(FileMode.COPY));
        }
        assertEquals(FallbackCode.FORCED_COPY, transfer.fallbackCode());
        assertNull(transfer.fallbackReason());
        assertArrayEquals(content, Files.readAllBytes(copy));
    }

    @Test
    void zeroCopyToAFileHasNoCode() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), Bytes.random(300_000, 3));
        FileTransfer transfer;
        try (FileChannel out = FileChannel.open(dir.resolve("copy.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            transfer = ZeroCopy.sendFile(file, out, 0, 300_000, FileOptions.defaults());
        }
        assertEquals(FileMode.ZERO_COPY, transfer.mode());
        assertNull(transfer.fallbackCode());
    }

    @Test
    void aJdkChannelThatTransferToDoesNotReachHasItsCode() throws Exception {
        byte[] content = Bytes.random(70_000, 4);
        Path file = Files.write(dir.resolve("content.bin"), content);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        FileTransfer transfer = ZeroCopy.sendFile(file, Channels.newChannel(out));
        assertEquals(FallbackCode.UNSUPPORTED_JDK_CHANNEL, transfer.fallbackCode());
        assertTrue(transfer.fallbackReason().contains("a JDK channel that transferTo does not reach directly"),
                transfer.fallbackReason());
        assertArrayEquals(content, out.toByteArray());
    }

    @Test
    void aReceiveFromASocketHasTheStreamReceiveCode() throws Exception {
        byte[] content = Bytes.random(200_000, 5);
        Path copy = dir.resolve("copy.bin");
        FileTransfer transfer;
        try (Loopback loopback = Loopback.open()) {
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(loopback.client, ByteView.wrap(content)));
            transfer = ZeroCopy.recvFile(loopback.server, copy, 0, content.length, FileOptions.defaults());
            assertEquals(content.length, sender.join());
        }
        assertEquals(FallbackCode.STREAM_RECEIVE, transfer.fallbackCode());
        assertArrayEquals(content, Files.readAllBytes(copy));
    }

    @Test
    void aTransferToThatFailsPartWayHasItsCode() throws Exception {
        byte[] content = Bytes.random(9 << 20, 6);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Path copy = dir.resolve("copy.bin");
        FileTransfer transfer;
        try (FileChannel in = new FailingFileChannel(FileChannel.open(file), 1);
                FileChannel out = FileChannel.open(copy, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            transfer = ZeroCopy.sendFile(in, out, 0, content.length, FileOptions.defaults());
        }
        assertEquals(FallbackCode.TRANSFER_TO_FAILED, transfer.fallbackCode());
        assertTrue(transfer.fallbackReason().startsWith("transferTo failed after"), transfer.fallbackReason());
        assertArrayEquals(content, Files.readAllBytes(copy));
    }

    @Test
    @Timeout(60)
    void aPeerThatResetsDuringAnAutomaticZeroCopySendFailsItWithoutAFallback() throws Exception {
        byte[] content = Bytes.random(32 << 20, 8);
        int readByPeer = 64 << 10;
        Path file = Files.write(dir.resolve("content.bin"), content);
        TransferCounters before = TransferCounters.snapshot();
        TransferException failure;
        try (Loopback loopback = Loopback.open(); FileChannel in = FileChannel.open(file)) {
            // A calibration that has measured zero-copy faster on this machine, whichever mode the shared
            // one prefers for loopback now.
            FileTransfer transfer = FileTransfer.send(in, 0, content.length, loopback.server, FileOptions.defaults(),
                    measuredZeroCopyFaster(Calibration.PeerClass.LOCAL));
            assertEquals(FileMode.ZERO_COPY, transfer.mode(), transfer.autoReason());
            Background<Integer> peer = Background.start(() -> {
                ByteBuffer some = ByteBuffer.allocate(readByPeer);
                while (some.hasRemaining()) {
                    if (loopback.client.read(some) < 0) {
                        throw new EOFException("after " + some.position() + " bytes");
                    }
                }
                // Linger 0: the close resets the connection while the sender has far more to send.
                loopback.client.socket().setSoLinger(true, 0);
                loopback.client.close();
                return some.position();
            });
            try (transfer) {
                failure = assertThrows(TransferException.class,
                        () -> Blocking.complete(transfer, loopback.server, Deadline.NONE, "file bytes sent"));
            }
            assertEquals(readByPeer, peer.join());
        }
        TransferReport report = failure.report();
        assertEquals(FileMode.ZERO_COPY, report.mode(), report.toString());
        assertNull(report.fallbackCode(), report.toString());
        assertNull(report.fallbackReason(), report.toString());
        assertEquals(report.transferred(), report.zeroCopied(), report.toString());
        assertTrue(report.transferred() >= readByPeer && report.transferred() < content.length, report.toString());
        assertEquals(content.length, report.byteCount());
        assertTrue(failure.getMessage().startsWith("failed after " + report.transferred() + " of " + content.length
                + " file bytes sent: "), failure.getMessage());
        assertEquals(0, TransferCounters.snapshot().minus(before).fallbacks(FallbackCode.TRANSFER_TO_FAILED));
    }

    @Test
    void anAutomaticSendToALoopbackPeerThatTakesTheCopyLoopSaysItWasMeasured() throws Exception {
        byte[] content = Bytes.random(4096, 7);
        Path file = Files.write(dir.resolve("content.bin"), content);
        Set<FallbackCode> codes = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            try (Loopback loopback = Loopback.open()) {
                ByteView received = ByteView.allocate(content.length);
                Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, received));
                FileTransfer transfer = ZeroCopy.sendFile(file, loopback.server);
                assertEquals(content.length, receiver.join());
                assertEquals(ByteView.wrap(content), received);
                codes.add(transfer.fallbackCode());
                assertEquals(transfer.mode() == FileMode.COPY, transfer.fallbackCode() != null, transfer.toString());
            }
        }
        // Whichever mode the shared calibration prefers for peers on this machine, it is one code for all peers.
        assertEquals(1, codes.size(), codes.toString());
        FileMode preferred = Calibration.shared().choose(Calibration.PeerClass.LOCAL, content.length).mode();
        assertEquals(preferred == FileMode.COPY ? FallbackCode.AUTO_MEASURED_COPY : null, codes.iterator().next());
    }

    /**
     * A calibration that has compared the modes to {@code peers} once and taken zero-copy: 10 ms
     * sends, one after another on a clock of its own, zero-copy moving 3 GB/s and the copy loop 1.
     */
    private static Calibration measuredZeroCopyFaster(Calibration.PeerClass peers) {
        long[] now = {0};
        Calibration calibration = new Calibration(() -> now[0]);
        for (int send = 0; send < 1000 && calibration.choice(peers) == null; send++) {
            FileMode mode = calibration.choose(peers, 16 << 20).mode();
            calibration.started(peers);
            now[0] += 10_000_000;
            calibration.moved(peers, mode, mode == FileMode.ZERO_COPY ? 30_000_000 : 10_000_000);
            calibration.ended(peers);
        }
        assertEquals(FileMode.ZERO_COPY, calibration.choice(peers).mode(), String.valueOf(calibration.choice(peers)));
        return calibration;
    }

    /** A channel outside the JDK whose description names a peer, as a TLS wrapper's would. */
    private static final class NamedSink implements WritableByteChannel {
        private final String name;

        NamedSink(String name) {
            this.name = name;
        }

        @Override
        public int write(ByteBuffer source) {
            int n = source.remaining();
            source.position(source.limit());
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }

        @Override
        public String toString() {
            return name;
        }
    }
}
