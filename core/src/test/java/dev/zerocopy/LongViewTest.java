package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(120)
final class LongViewTest {

    private static final long GIB = 1L << 30;

    /** The byte at {@code index} of the test pattern: not periodic at any power of two. */
    static byte pattern(long index) {
        return (byte) (index * 31 + (index >>> 13) * 7 + 5);
    }

    static ByteView patterned(long size, int pieceSize) {
        ByteView view = ByteView.allocateDirect(size, pieceSize);
        long at = 0;
        for (ByteBuffer buffer : view.buffers()) {
            byte[] chunk = new byte[Math.min(buffer.remaining(), 1 << 20)];
            for (int offset = 0; offset < buffer.remaining(); offset += chunk.length) {
                int count = Math.min(chunk.length, buffer.remaining() - offset);
                for (int i = 0; i < count; i++) {
                    chunk[i] = pattern(at + i);
                }
                buffer.put(offset, chunk, 0, count);
                at += count;
            }
        }
        return view;
    }

    @Test
    void aViewInPiecesSlicesAcrossTheBoundariesAndReadsThrough() {
        ByteView view = patterned(10_000, 4096);

        ByteView slice = view.slice(4000, 9000);

        assertEquals(5000, slice.size());
        assertEquals(pattern(4000), slice.get(0));
        assertEquals(pattern(8999), slice.get(4999));
        assertArrayEquals(new int[] {96, 4096, 808},
                Arrays.stream(slice.buffers()).mapToInt(ByteBuffer::remaining).toArray());
        byte[] expected = new byte[5000];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = pattern(4000 + i);
        }
        assertArrayEquals(expected, slice.toByteArray());
        assertEquals(ByteView.wrap(expected), slice, "content equality across memory layouts");
        assertEquals(ByteView.wrap(expected).hashCode(), slice.hashCode());
        assertEquals(slice.slice(96, 4192).buffer().get(0), pattern(4096), "a slice within one piece is one buffer");
    }

    @Test
    void bufferAndTypedViewsRefuseAWindowAcrossPiecesSayingWhereToCut() {
        ByteView slice = patterned(10_000, 4096).slice(4000, 9000);

        IllegalStateException notOne = assertThrows(IllegalStateException.class, slice::buffer);
        IllegalStateException notLongs = assertThrows(IllegalStateException.class, slice::asLongs);

        assertEquals("a view of 5000 bytes spans 3 buffers of at most 4096 bytes and cannot be handed out as one"
                + " ByteBuffer: cut it with slice(from, to) at the piece boundaries (the first is at index 96,"
                + " then every 4096 bytes), or use buffers()", notOne.getMessage());
        assertTrue(notLongs.getMessage().contains("cannot be viewed as longs"), notLongs.getMessage());
    }

    @Test
    void aViewOfMoreThan1024PiecesIsSentInGatheringWritesOfAtMost1024BuffersAnd1MiB() throws Exception {
        ByteView view = patterned((8 << 20) + 123, 4096);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();

        assertEquals(view.size(), ZeroCopy.sendFrom(sink, view));

        assertEquals(ByteView.wrap(sink.bytes()), view);
        assertEquals(1 << 20, sink.largestCall());
        assertTrue(sink.maxBuffersPerCall() <= 1024, "buffers per call: " + sink.maxBuffersPerCall());
    }

    @Test
    void aViewInPiecesCrossesLoopbackIntoAnotherLaidOutDifferently() throws Exception {
        long size = (24 << 20) + 321;
        ByteView sent = patterned(size, 1 << 20);
        ByteView received = ByteView.allocateDirect(size, 3 << 20 | 17);
        try (Loopback loopback = Loopback.open()) {
            Background<Long> sender = Background.start(() -> ZeroCopy.sendFrom(loopback.server, sent.slice(0, size)));

            assertEquals(size, ZeroCopy.recvInto(loopback.client, received));

            assertEquals(size, sender.join());
        }
        assertEquals(sent, received);
    }

    @Test
    void aStreamEndingInsideAViewInPiecesCountsTheBytesReceived() {
        byte[] wire = new byte[5000];
        ByteView into = ByteView.allocateDirect(9000, 4096);

        EndOfStreamException eof = assertThrows(EndOfStreamException.class,
                () -> ZeroCopy.recvInto(TestChannels.source(wire), into));

        assertEquals(5000, eof.transferred());
        assertEquals(9000, eof.byteCount());
    }

    @Test
    void aSparseFileOf3GiBIsMappedAndSlicedPast2GiB(@TempDir Path directory) throws IOException {
        Path file = directory.resolve("sparse-3g-" + ProcessHandle.current().pid());
        long size = 3 * GIB + 100;
        long[] marks = {0, GIB - 1, GIB, 2 * GIB - 2, 2 * GIB - 1, 2 * GIB, 2 * GIB + 1, 3 * GIB + 99};
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
            for (long mark : marks) {
                raf.seek(mark);
                raf.write(pattern(mark));
            }
        }
        try {
            ByteView mapped;
            try (FileChannel channel = FileChannel.open(file)) {
                mapped = ByteView.map(channel, 0, size);
            }

            assertEquals(size, mapped.size());
            assertTrue(mapped.isDirect() && mapped.isReadOnly());
            for (long mark : marks) {
                assertEquals(pattern(mark), mapped.get(mark), "byte " + mark);
            }
            ByteView across = mapped.slice(2 * GIB - 2, 2 * GIB + 2);
            assertArrayEquals(new byte[] {pattern(2 * GIB - 2), pattern(2 * GIB - 1), pattern(2 * GIB),
                pattern(2 * GIB + 1)}, across.toByteArray());
            ByteView past = mapped.slice(2 * GIB + 1, 3 * GIB + 100);
            assertEquals(GIB + 99, past.size());
            assertEquals(pattern(3 * GIB + 99), past.get(GIB + 98));
            assertEquals(pattern(2 * GIB + 1), past.slice(0, GIB - 1).buffer().get(0), "within one piece");
            assertTrue(past.slice(0, GIB - 1).buffer().isDirect());
            assertThrows(IllegalStateException.class, mapped::toByteArray);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** A 3 GiB view and another 3 GiB to receive it: 6 GiB of direct memory, so only with -Pstress. */
    @Test
    @Tag("stress")
    @Timeout(600)
    void a3GiBViewInPiecesCrossesLoopbackSlicedAcrossItsPieces() throws Exception {
        long size = 3 * GIB;
        ByteView sent = patterned(size, 1 << 30);
        ByteView received = ByteView.allocateDirect(size);
        // Three slices whose edges fall inside pieces, so every send crosses a boundary.
        long[] cuts = {0, GIB - 4097, 2 * GIB + 12345, size};
        try (Loopback loopback = Loopback.open()) {
            Background<Long> sender = Background.start(() -> {
                long total = 0;
                for (int i = 0; i + 1 < cuts.length; i++) {
                    total += ZeroCopy.sendFrom(loopback.server, sent.slice(cuts[i], cuts[i + 1]));
                }
                return total;
            });

            assertEquals(size, ZeroCopy.recvInto(loopback.client, received));

            assertEquals(size, sender.join());
        }
        assertEquals(sent, received);
    }
}
