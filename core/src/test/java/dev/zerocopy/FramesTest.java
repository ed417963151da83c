package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

final class FramesTest {

    @ParameterizedTest
    @EnumSource(Route.class)
    void framesOfUnknownSizeArriveWhole(Route route) throws Exception {
        byte[] big = Bytes.random(route.payloadSize, 21);
        byte[] small = Bytes.random(3, 22);
        try (Route.Ends ends = route.open()) {
            Background<Long> sender = Background.start(() -> Frames.sendFrame(ends.sink(), ByteView.wrap(big))
                    + Frames.sendFrame(ends.sink(), ByteView.empty())
                    + Frames.sendFrame(ends.sink(), ByteView.wrap(small)));

            ByteView first = Frames.recvFrame(ends.source(), big.length);
            ByteView second = Frames.recvFrame(ends.source(), 0);
            ByteView into = ByteView.allocateDirect(64);
            ByteView third = Frames.recvFrame(ends.source(), into);

            assertEquals(3 * 8L + big.length + small.length, sender.join());
            assertArrayEquals(big, first.toByteArray());
            assertEquals(0, second.size());
            assertArrayEquals(small, third.toByteArray());
            third.buffer().put(0, (byte) 1);
            assertEquals(1, into.get(0), "the payload is a slice of the view it was received into");
        }
    }

    @Test
    void theHeaderIsEightBigEndianBytes() throws Exception {
        assertArrayEquals(new byte[] {0, 0, 0, 0, 0, 0, 1, 2}, Frames.header(258).toByteArray());
        assertEquals(258, Frames.payloadSize(Frames.header(258), 1000));
        assertEquals("payload size must be >= 0, was -1",
                assertThrows(IllegalArgumentException.class, () -> Frames.header(-1)).getMessage());
    }

    @Test
    void aFrameIsSentInOneGatheringWrite() throws Exception {
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        byte[] payload = Bytes.random(1000, 23);

        assertEquals(1008, Frames.sendFrame(sink, ByteView.wrap(payload).readOnly()));

        assertEquals(1, sink.calls());
        ByteBuffer wire = ByteBuffer.wrap(sink.bytes());
        assertEquals(1000, wire.getLong());
        assertEquals(ByteView.wrap(payload), ByteView.wrap(wire));
    }

    @Test
    void aFrameLargerThanTheViewLeavesThePayloadUnreadAndTheViewUntouched() throws Exception {
        byte[] payload = Bytes.random(100, 24);
        try (Loopback loopback = Loopback.open()) {
            Frames.sendFrame(loopback.server, ByteView.wrap(payload));
            ByteView small = ByteView.wrap(Bytes.filled(10, 0x7f));

            FrameTooLargeException tooLarge = assertThrows(FrameTooLargeException.class,
                    () -> Frames.recvFrame(loopback.client, small));

            assertEquals("frame header declares 100 payload bytes, more than the limit of 10; "
                    + "the payload is still unread", tooLarge.getMessage());
            assertEquals(100, tooLarge.frameSize());
            assertEquals(10, tooLarge.limit());
            assertArrayEquals(Bytes.filled(10, 0x7f), small.toByteArray());
            ByteView recovered = ByteView.allocate((int) tooLarge.frameSize());
            ZeroCopy.recvInto(loopback.client, recovered);
            assertArrayEquals(payload, recovered.toByteArray());
        }
    }

    @Test
    void hostileHeadersAreRejectedBeforeAnythingIsAllocated() throws Exception {
        AtomicInteger allocations = new AtomicInteger();
        IntFunction<ByteView> counting = size -> {
            allocations.incrementAndGet();
            return ByteView.allocate(size);
        };
        ByteView negative = ByteView.allocate(8);
        negative.buffer().putLong(0, -1);
        ByteView huge = Frames.header(Long.MAX_VALUE);

        ProtocolException negativeSize = assertThrows(ProtocolException.class,
                () -> Frames.recvFrame(TestChannels.source(negative.toByteArray()), 1 << 20, counting, null));
        FrameTooLargeException hugeSize = assertThrows(FrameTooLargeException.class,
                () -> Frames.recvFrame(TestChannels.source(huge.toByteArray()), 1 << 20, counting, null));

        assertEquals("frame header declares a negative payload size: -1 (0xffffffffffffffff)",
                negativeSize.getMessage());
        assertEquals(Long.MAX_VALUE, hugeSize.frameSize());
        assertEquals(1 << 20, hugeSize.limit());
        assertEquals(0, allocations.get());
    }

    @ParameterizedTest
    @ValueSource(longs = {Integer.MAX_VALUE, Integer.MAX_VALUE - 1})
    void headersBeyondTheLargestArrayAreRefusedEvenWithoutALimit(long declared) throws Exception {
        AtomicInteger allocations = new AtomicInteger();
        IntFunction<ByteView> counting = size -> {
            allocations.incrementAndGet();
            return ByteView.allocate(size);
        };
        byte[] header = Frames.header(declared).toByteArray();

        FrameTooLargeException byDefault = assertThrows(FrameTooLargeException.class,
                () -> Frames.recvFrame(TestChannels.source(header), Integer.MAX_VALUE));
        FrameTooLargeException byAllocator = assertThrows(FrameTooLargeException.class,
                () -> Frames.recvFrame(TestChannels.source(header), Integer.MAX_VALUE, counting, null));

        assertEquals("frame header declares " + declared + " payload bytes, more than the limit of 2147483639; "
                + "the payload is still unread", byDefault.getMessage());
        assertEquals(declared, byAllocator.frameSize());
        assertEquals(Integer.MAX_VALUE - 8, byAllocator.limit());
        assertEquals(0, allocations.get());
    }

    @Test
    void aStreamEndingInsideTheHeaderReportsTheHeaderBytes() {
        byte[] partialHeader = {0, 0, 0};

        EndOfStreamException eof = assertThrows(EndOfStreamException.class,
                () -> Frames.recvFrame(TestChannels.source(partialHeader), 100));

        assertEquals("stream ended after 3 of 8 frame header bytes", eof.getMessage());
    }

    @Test
    void aStreamEndingInsideThePayloadKeepsWhatArrived() {
        byte[] wire = new byte[8 + 40];
        ByteBuffer.wrap(wire).putLong(100);
        byte[] partialPayload = Bytes.random(40, 25);
        System.arraycopy(partialPayload, 0, wire, 8, 40);
        ByteView into = ByteView.allocate(200);

        EndOfStreamException eof = assertThrows(EndOfStreamException.class,
                () -> Frames.recvFrame(TestChannels.source(wire), into));

        assertEquals("stream ended after 40 of 100 frame payload bytes", eof.getMessage());
        assertEquals(40, eof.transferred());
        assertArrayEquals(partialPayload, into.slice(0, 40).toByteArray());
    }

    @Test
    void anAllocatorThatReturnsTooLittleIsCaught() {
        byte[] wire = new byte[8 + 5];
        ByteBuffer.wrap(wire).putLong(5);

        IllegalStateException wrong = assertThrows(IllegalStateException.class,
                () -> Frames.recvFrame(TestChannels.source(wire), 10, size -> ByteView.allocate(2), null));

        assertEquals("allocator returned 2 bytes for a 5-byte payload", wrong.getMessage());
    }
}
