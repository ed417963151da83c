package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The blocking calls on one view, again and again: each call reuses the buffers the view kept
 * from the last one (reset to the whole view), and a call that has to wait or fails part-way
 * carries the counts of every step it made.
 */
final class RepeatedCallsTest {

    @Test
    void aViewSentAgainAndAgainSendsItsWholeContentEveryTime() throws Exception {
        byte[] content = Bytes.random(300, 21);
        ByteView view = ByteView.wrap(content);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        // Three zero-byte writes before each one that moves bytes: every call waits part-way.
        TestChannels.Throttled stalling = TestChannels.throttle(sink, TestChannels.zeroesFirst());

        assertEquals(300, ZeroCopy.sendFrom(sink, view));
        assertEquals(300, ZeroCopy.sendFrom(stalling, view));
        assertEquals(308, Frames.sendFrame(sink, view));
        assertEquals(300, ZeroCopy.sendFrom(sink, view.slice(0, 300)));

        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        expected.writeBytes(content);
        expected.writeBytes(content);
        expected.writeBytes(header(300));
        expected.writeBytes(content);
        expected.writeBytes(content);
        assertArrayEquals(expected.toByteArray(), sink.bytes());
    }

    @Test
    void framesShorterThanTheViewAndAsLongAsItAreEachReceivedWhole() throws Exception {
        byte[] first = Bytes.random(5, 22);
        byte[] second = Bytes.random(16, 23);
        byte[] third = Bytes.random(3, 24);
        ByteArrayOutputStream stream = new ByteArrayOutputStream();
        for (byte[] payload : new byte[][] {first, second, third}) {
            stream.writeBytes(header(payload.length));
            stream.writeBytes(payload);
        }
        var source = TestChannels.source(stream.toByteArray());
        ByteView into = ByteView.allocateDirect(16);

        assertArrayEquals(first, Frames.recvFrame(source, into).toByteArray());
        ByteView whole = Frames.recvFrame(source, into);
        assertEquals(into, whole);
        assertArrayEquals(second, whole.toByteArray());
        assertArrayEquals(third, Frames.recvFrame(source, into).toByteArray());
        assertArrayEquals(Arrays.copyOfRange(second, 3, 16), into.slice(3).toByteArray(),
                "a short frame leaves the rest of the view as it was");
        assertThrows(EndOfStreamException.class, () -> Frames.recvFrame(source, into));
    }

    @Test
    void aViewReceivedIntoAgainIsFilledFromItsStartEveryTime() throws Exception {
        byte[] first = Bytes.random(64, 25);
        byte[] second = Bytes.random(64, 26);
        var source = TestChannels.throttle(TestChannels.source(concat(first, second)),
                TestChannels.zeroesFirst());
        ByteView view = ByteView.allocate(64);

        assertEquals(64, ZeroCopy.recvInto(source, view));
        assertArrayEquals(first, view.toByteArray());
        assertEquals(64, ZeroCopy.recvInto(source, view));
        assertArrayEquals(second, view.toByteArray());
        EndOfStreamException eof = assertThrows(EndOfStreamException.class, () -> ZeroCopy.recvInto(source, view));
        assertEquals(0, eof.transferred());
        assertEquals(64, eof.byteCount());
    }

    @Test
    void aPooledViewReleasedAfterASendRefusesTheNextOne() throws Exception {
        ViewPool pool = new ViewPool(1 << 16);
        ByteView view = pool.acquire(100);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        ZeroCopy.sendFrom(sink, view);
        view.close();

        IllegalStateException released = assertThrows(IllegalStateException.class,
                () -> ZeroCopy.sendFrom(sink, view));
        assertEquals("pooled view of 100 bytes used after release: its memory is back in the pool",
                released.getMessage());
        assertThrows(IllegalStateException.class, () -> Frames.sendFrame(sink, view));
        assertEquals(100, sink.bytes().length, "nothing more was sent");
    }

    @Test
    void aSendThatWaitedThenFailedCountsEveryStepAndWait() throws Exception {
        WritableByteChannel resetAfterAWait = new WritableByteChannel() {
            int calls;

            @Override
            public int write(ByteBuffer source) throws IOException {
                switch (++calls) {
                    case 1:
                        source.position(source.position() + 3);
                        return 3;
                    case 2:
                        return 0;
                    default:
                        throw new IOException("connection reset");
                }
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };

        TransferException failed = assertThrows(TransferException.class,
                () -> ZeroCopy.sendFrom(resetAfterAWait, ByteView.allocate(10)));

        TransferReport report = failed.report();
        assertEquals(3, report.transferred());
        assertEquals(10, report.byteCount());
        assertEquals(3, report.steps());
        assertEquals(1, report.zeroReturns());
        assertEquals(1, report.waits());
        assertEquals("connection reset", failed.getCause().getMessage());
    }

    private static byte[] concat(byte[] first, byte[] second) {
        byte[] both = Arrays.copyOf(first, first.length + second.length);
        System.arraycopy(second, 0, both, first.length, second.length);
        return both;
    }

    private static byte[] header(long size) {
        return ByteBuffer.allocate(Frames.HEADER_SIZE).putLong(0, size).array();
    }
}
