package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

final class ZeroCopyTest {

    @ParameterizedTest
    @EnumSource(Route.class)
    void roundTripsARandomPayloadByteForByte(Route route) throws Exception {
        byte[] payload = Bytes.random(route.payloadSize, 42);
        ByteView received = ByteView.allocateDirect(payload.length);
        try (Route.Ends ends = route.open()) {
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(ends.sink(), ByteView.wrap(payload)));
            assertEquals(payload.length, ZeroCopy.recvInto(ends.source(), received));
            assertEquals(payload.length, sender.join());
        }
        assertArrayEquals(payload, received.toByteArray());
    }

    @ParameterizedTest
    @EnumSource(Route.class)
    void sendsGatheredViewsAsOneStreamInOrder(Route route) throws Exception {
        byte[] payload = Bytes.random(Math.min(route.payloadSize, 3 << 20), 7);
        ByteView whole = ByteView.wrap(payload).readOnly();
        List<ByteView> parts = List.of(whole.slice(0, 8), whole.slice(8, 9), ByteView.empty(),
                whole.slice(9, payload.length / 2), whole.slice(payload.length / 2));
        ByteView received = ByteView.allocate(payload.length);
        try (Route.Ends ends = route.open()) {
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(ends.sink(), parts));
            ZeroCopy.recvInto(ends.source(), received);
            assertEquals(payload.length, sender.join());
        }
        assertArrayEquals(payload, received.toByteArray());
    }

    @Test
    void gatheringSendSplitsAtTheBufferLimitWithTheFewestWrites() throws Exception {
        byte[] payload = Bytes.random(3000 * 10, 3);
        List<ByteView> views = new ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            views.add(ByteView.wrap(payload, i * 10, 10));
        }
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();

        assertEquals(payload.length, ZeroCopy.sendFrom(sink, views));

        assertEquals(3, sink.calls(), "3000 views at 1024 buffers per call");
        assertArrayEquals(payload, sink.bytes());
    }

    @Test
    void writesAtMostOneMebibytePerCall() throws Exception {
        byte[] payload = Bytes.random((5 << 20) + 3, 4);
        TestChannels.RecordingSink single = new TestChannels.RecordingSink();
        TestChannels.RecordingSink gathered = new TestChannels.RecordingSink();

        ZeroCopy.sendFrom(single, ByteView.wrap(payload));
        ZeroCopy.sendFrom(gathered, List.of(ByteView.wrap(payload, 0, 8), ByteView.wrap(payload, 8, payload.length - 8)));

        assertEquals(6, single.calls());
        assertEquals(1 << 20, single.largestCall());
        assertEquals(6, gathered.calls());
        assertEquals(1 << 20, gathered.largestCall());
        assertArrayEquals(payload, single.bytes());
        assertArrayEquals(payload, gathered.bytes());
    }

    @Test
    void movesTheSeedsFiftyMillionDoublesIntoAPreallocatedView() throws Exception {
        int count = 50_000_000;
        ByteView sent = ByteView.allocateDirect(count * Double.BYTES);
        var doubles = sent.asDoubles();
        for (int i = 0; i < count; i++) {
            doubles.put(i, i);
        }
        ByteView received = ByteView.allocateDirect(count * Double.BYTES);
        try (Loopback loopback = Loopback.open()) {
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(loopback.server, sent));
            assertEquals(400_000_000L, ZeroCopy.recvInto(loopback.client, received));
            assertEquals(400_000_000L, sender.join());
        }
        var a = received.asDoubles();
        double[] first = new double[10];
        a.get(0, first);
        assertArrayEquals(new double[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, first);
        assertEquals(49_999_999.0, a.get(count - 1));
        assertEquals(sent, received);
    }

    @Test
    void severalThreadsSendOneViewAtOnce() throws Exception {
        ByteView shared = ByteView.wrap(Bytes.random(4 << 20, 5)).readOnly();
        int senders = 4;
        List<Loopback> links = new ArrayList<>();
        List<Background<Long>> running = new ArrayList<>();
        try {
            for (int i = 0; i < senders; i++) {
                Loopback link = Loopback.open();
                links.add(link);
                running.add(Background.start(() -> ZeroCopy.sendFrom(link.server, shared)));
            }
            for (int i = 0; i < senders; i++) {
                ByteView received = ByteView.allocateDirect(shared.size());
                ZeroCopy.recvInto(links.get(i).client, received);
                assertEquals(shared, received, "receiver " + i);
                assertEquals(shared.size(), running.get(i).join());
            }
        } finally {
            for (Loopback link : links) {
                link.close();
            }
        }
    }

    @Test
    void recvIntoThrowsEndOfStreamWithTheBytesReceivedAndKeepsThem() throws Exception {
        byte[] sent = Bytes.random(100, 6);
        ByteView view = ByteView.wrap(Bytes.filled(1000, 0x7f));
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent));
            loopback.server.shutdownOutput();

            EndOfStreamException eof = assertThrows(EndOfStreamException.class,
                    () -> ZeroCopy.recvInto(loopback.client, view));

            assertEquals("stream ended after 100 of 1000 bytes", eof.getMessage());
            assertEquals(100, eof.transferred());
            assertEquals(1000, eof.byteCount());
        }
        assertArrayEquals(sent, view.slice(0, 100).toByteArray());
        assertArrayEquals(Bytes.filled(900, 0x7f), view.slice(100).toByteArray(), "the rest is untouched");
    }

    @Test
    void recvIntoAReadOnlyViewFailsBeforeReadingAnything() throws Exception {
        byte[] sent = Bytes.random(64, 8);
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent));
            ByteView readOnly = ByteView.allocate(64).readOnly();

            assertThrows(ReadOnlyBufferException.class, () -> ZeroCopy.recvInto(loopback.client, readOnly));
            assertThrows(ReadOnlyBufferException.class, () -> ZeroCopy.recvSome(loopback.client, readOnly));

            ByteView writable = ByteView.allocate(64);
            ZeroCopy.recvInto(loopback.client, writable);
            assertArrayEquals(sent, writable.toByteArray(), "nothing was consumed by the refused calls");
        }
    }

    @Test
    void recvSomeReturnsWhatOneReadGaveThenMinusOneAtTheEnd() throws Exception {
        byte[] sent = Bytes.random(10, 9);
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            ByteView view = ByteView.allocate(100);
            Background<Integer> receiver = Background.start(() -> ZeroCopy.recvSome(loopback.client, view));
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent));
            loopback.server.shutdownOutput();

            int first = receiver.join();
            assertTrue(first >= 1 && first <= 10, "one read gave " + first);
            int total = first;
            while (total < 10) {
                total += ZeroCopy.recvSome(loopback.client, view.slice(total));
            }
            assertEquals(10, total);
            assertArrayEquals(sent, view.slice(0, 10).toByteArray());
            assertEquals(-1, ZeroCopy.recvSome(loopback.client, view.slice(10)));
            assertEquals(0, ZeroCopy.recvSome(loopback.client, ByteView.empty()));
        }
    }

    @Test
    void recvIntoTimesOutWithTheBytesReceivedAndLosesNone() throws Exception {
        byte[] sent = Bytes.random(100, 10);
        ByteView view = ByteView.allocate(100);
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent, 0, 10));

            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvInto(loopback.client, view, Duration.ofMillis(200)));

            assertEquals("timed out after 200 ms with 10 of 100 bytes received", timeout.getMessage());
            assertEquals(10, timeout.transferred());
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent, 10, 90));
            ZeroCopy.recvInto(loopback.client, view.slice(10), Duration.ofSeconds(10));
        }
        assertArrayEquals(sent, view.toByteArray());
    }

    @Test
    void sendFromTimesOutWithTheBytesSentAndThoseAreExactlyWhatArrives() throws Exception {
        byte[] payload = Bytes.random(64 << 20, 11);
        long sent;
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.sendFrom(loopback.server, ByteView.wrap(payload), Duration.ofMillis(300)));
            sent = timeout.transferred();
            assertTrue(sent > 0 && sent < payload.length, "sent " + sent);
            assertEquals("timed out after 300 ms with " + sent + " of " + payload.length + " bytes sent",
                    timeout.getMessage());
            loopback.server.shutdownOutput();

            ByteView received = ByteView.allocate((int) sent);
            ZeroCopy.recvInto(loopback.client, received, Duration.ofSeconds(10));
            assertArrayEquals(Arrays.copyOf(payload, (int) sent), received.toByteArray());
            assertEquals(-1, ZeroCopy.recvSome(loopback.client, ByteView.allocate(1), Duration.ofSeconds(10)));
        }
    }

    @Test
    void aTimeoutEndsATransferThatKeepsMakingProgress() throws Exception {
        TestChannels.Throttled trickle = TestChannels.throttle(new TestChannels.RecordingSink(), TestChannels.oneByte());

        TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                () -> ZeroCopy.sendFrom(trickle, ByteView.allocate(64 << 20), Duration.ofMillis(100)));

        assertTrue(timeout.transferred() > 0 && timeout.transferred() < 64 << 20, timeout.getMessage());
        assertEquals(timeout.transferred(), trickle.calls, "one byte per call, none lost or repeated");
    }

    @Test
    void aTimeoutOnABlockingSocketClosesItAndCountsTheBytesReceived() throws Exception {
        byte[] sent = Bytes.random(100, 7);
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent, 0, 10));
            ByteView view = ByteView.allocate(100);

            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvInto(loopback.client, view, Duration.ofMillis(300)));

            assertEquals(10, timeout.transferred());
            assertEquals(100, timeout.byteCount());
            assertEquals("timed out after 300 ms with 10 of 100 bytes received (the blocking channel was closed"
                    + " at the deadline)", timeout.getMessage());
            assertInstanceOf(AsynchronousCloseException.class, timeout.getCause());
            assertFalse(loopback.client.isOpen());
            assertArrayEquals(Arrays.copyOf(sent, 10), view.slice(0, 10).toByteArray());
        }
    }

    @Test
    void aTimeoutOnABlockingSocketEndsASendToAPeerThatStoppedReading() throws Exception {
        try (Loopback loopback = Loopback.open()) {
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.sendFrom(loopback.server, ByteView.allocate(64 << 20), Duration.ofMillis(300)));

            assertTrue(timeout.transferred() > 0 && timeout.transferred() < 64 << 20, timeout.getMessage());
            assertEquals(64 << 20, timeout.byteCount());
            assertFalse(loopback.server.isOpen());
            assertEquals(timeout.transferred(), drain(loopback.client), "the peer saw exactly the bytes counted");
        }
    }

    @Test
    void aTimeoutEndsAZeroCopyFileSendBlockedInTheKernel(@TempDir Path dir) throws Exception {
        int size = 64 << 20;
        Path file = Files.write(dir.resolve("stalled.bin"), Bytes.random(size, 23));
        try (Loopback loopback = Loopback.open()) {
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.sendFile(file, loopback.server, 0, size,
                            FileOptions.defaults().withMode(FileMode.ZERO_COPY).withTimeout(Duration.ofMillis(300))));

            assertTrue(timeout.transferred() > 0 && timeout.transferred() < size, timeout.getMessage());
            assertFalse(loopback.server.isOpen());
            assertEquals(timeout.transferred(), drain(loopback.client), "the peer saw exactly the bytes counted");
        }
    }

    @Test
    void aTimeoutOnABlockingSocketThatIsNotReachedLeavesItOpen() throws Exception {
        byte[] sent = Bytes.random(100, 7);
        try (Loopback loopback = Loopback.open()) {
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(sent), Duration.ofSeconds(30));
            ByteView view = ByteView.allocate(100);
            assertEquals(100, ZeroCopy.recvInto(loopback.client, view, Duration.ofSeconds(30)));
            assertArrayEquals(sent, view.toByteArray());
            assertTrue(loopback.client.isOpen() && loopback.server.isOpen());
        }
    }

    private static long drain(SocketChannel source) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
        long total = 0;
        for (int read; (read = source.read(buffer.clear())) >= 0; ) {
            total += read;
        }
        return total;
    }

    @Test
    void waitingForASlowPeerSleepsInsteadOfSpinning() throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            long cpuBefore = threads.getCurrentThreadCpuTime();
            long wallBefore = System.nanoTime();
            assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvInto(loopback.client, ByteView.allocate(1), Duration.ofMillis(500)));
            long cpu = threads.getCurrentThreadCpuTime() - cpuBefore;
            long wall = System.nanoTime() - wallBefore;
            assertTrue(wall >= 500_000_000L, "waited " + wall + " ns");
            assertTrue(cpu < wall / 5, "used " + cpu + " ns of CPU while waiting " + wall + " ns");
        }
    }

    @Test
    void aChannelWithoutReadinessIsRetriedWithPausesNotSpun() throws Exception {
        TestChannels.Throttled stuck = TestChannels.throttle(new TestChannels.RecordingSink(), TestChannels.never());

        TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                () -> ZeroCopy.sendFrom(stuck, ByteView.allocate(10), Duration.ofMillis(300)));

        assertEquals(0, timeout.transferred());
        // Pauses grow to 1 ms, so 300 ms allow a few hundred calls; a spin makes millions.
        assertTrue(stuck.calls < 1000, stuck.calls + " calls in 300 ms");
    }

    @Test
    void anInterruptWhileWaitingThrowsInterruptedIoWithTheCount() throws Exception {
        TestChannels.Throttled stuck = TestChannels.throttle(TestChannels.source(new byte[4]), TestChannels.never());
        Thread.currentThread().interrupt();
        try {
            InterruptedIOException interrupted = assertThrows(InterruptedIOException.class,
                    () -> ZeroCopy.recvInto(stuck, ByteView.allocate(4)));
            assertEquals(0, interrupted.bytesTransferred);
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt status stays set");
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void closingTheChannelEndsAReceiveWaitingForReadiness() throws Exception {
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            Background<Long> receiver = Background.start(() -> ZeroCopy.recvInto(loopback.client, ByteView.allocate(8)));
            receiver.awaitFrameInStack("dev.zerocopy.internal.ReadinessWait", "await");
            loopback.client.close();

            TransferException failure = assertThrows(TransferException.class, receiver::join);

            assertInstanceOf(AsynchronousCloseException.class, failure.getCause());
            assertEquals("failed after 0 of 8 bytes received: java.nio.channels.AsynchronousCloseException",
                    failure.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aPeerResetEndsAReceiveWithTheCounts(boolean nonBlocking) throws Exception {
        try (Loopback loopback = Loopback.open()) {
            if (nonBlocking) {
                loopback.nonBlocking();
            }
            ZeroCopy.sendFrom(loopback.server, ByteView.wrap(Bytes.filled(100, 7)));
            ByteView into = ByteView.allocate(1000);
            ZeroCopy.recvInto(loopback.client, into.slice(0, 100));
            loopback.server.setOption(StandardSocketOptions.SO_LINGER, 0);
            loopback.server.close();

            TransferException reset = assertThrows(TransferException.class,
                    () -> ZeroCopy.recvInto(loopback.client, into.slice(100, 1000)));

            assertEquals(0, reset.transferred());
            assertEquals(900, reset.byteCount());
            assertInstanceOf(SocketException.class, reset.getCause());
            assertEquals("failed after 0 of 900 bytes received: java.net.SocketException: Connection reset",
                    reset.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void aPeerResetEndsASendWithTheCounts(boolean nonBlocking) throws Exception {
        int size = 64 << 20;
        try (Loopback loopback = Loopback.open()) {
            if (nonBlocking) {
                loopback.nonBlocking();
            }
            loopback.server.setOption(StandardSocketOptions.SO_LINGER, 0);
            loopback.server.close();

            TransferException reset = assertThrows(TransferException.class,
                    () -> ZeroCopy.sendFrom(loopback.client, ByteView.allocateDirect(size)));

            assertTrue(reset.transferred() < size, reset.getMessage());
            assertEquals(size, reset.byteCount());
            assertInstanceOf(IOException.class, reset.getCause());
            assertTrue(reset.getMessage().startsWith("failed after " + reset.transferred() + " of " + size
                    + " bytes sent: " + reset.getCause()), reset.getMessage());
        }
    }

    @Test
    void stepsReportWouldBlockAsZeroAndResumeWhereTheyStopped() throws Exception {
        byte[] payload = Bytes.random(8 << 20, 12);
        try (Loopback loopback = Loopback.open().nonBlocking()) {
            Transfer send = Transfer.send(loopback.server, ByteView.wrap(payload));
            assertEquals(SelectionKey.OP_WRITE, send.interestOps());
            while (send.step() > 0) {
                assertTrue(send.transferred() <= payload.length);
            }
            assertTrue(send.transferred() > 0 && !send.isComplete(), "the socket buffers filled up: " + send);

            ByteView received = ByteView.allocate(payload.length);
            Transfer receive = Transfer.receive(loopback.client, received);
            assertEquals(SelectionKey.OP_READ, receive.interestOps());
            try (Selector selector = Selector.open()) {
                loopback.server.register(selector, SelectionKey.OP_WRITE);
                loopback.client.register(selector, SelectionKey.OP_READ);
                while (!receive.isComplete()) {
                    if (receive.step() == 0 && (send.isComplete() || send.step() == 0)) {
                        selector.select(1000);
                        selector.selectedKeys().clear();
                    }
                }
            }
            assertTrue(send.isComplete());
            assertEquals(payload.length, receive.transferred());
            assertEquals(0, receive.step(), "a complete transfer moves nothing");
            assertArrayEquals(payload, received.toByteArray());
        }
    }

    @Test
    void sendsToAPlainFileChannel(@TempDir Path dir) throws Exception {
        byte[] payload = Bytes.random(3 << 20, 13);
        Path file = dir.resolve("out.bin");
        try (var channel = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFrom(channel, List.of(ByteView.wrap(payload, 0, 100), ByteView.wrap(payload, 100, payload.length - 100)));
        }
        assertArrayEquals(payload, Files.readAllBytes(file));
    }
}
