package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.ReadOnlyBufferException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ByteViewTest {

    @Test
    void wrapSharesTheArrayBothWays() {
        byte[] array = {1, 2, 3, 4};
        ByteView view = ByteView.wrap(array);

        view.buffer().put(0, (byte) 9);
        array[3] = 7;

        assertEquals(9, array[0]);
        assertEquals(7, view.get(3));
        assertEquals(4, view.size());
        assertFalse(view.isDirect());
        assertFalse(view.isReadOnly());
    }

    @Test
    void wrapOfARangeChecksItsBounds() {
        byte[] array = new byte[10];
        assertEquals(3, ByteView.wrap(array, 7, 3).size());
        assertThrows(IndexOutOfBoundsException.class, () -> ByteView.wrap(array, 8, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> ByteView.wrap(array, -1, 3));
    }

    @Test
    void wrapOfABufferTakesPositionToLimitAndLeavesThemAlone() {
        ByteBuffer direct = ByteBuffer.allocateDirect(16);
        for (int i = 0; i < 16; i++) {
            direct.put(i, (byte) i);
        }
        direct.position(4).limit(12);

        ByteView view = ByteView.wrap(direct);
        view.buffer().position(5);

        assertEquals(4, direct.position());
        assertEquals(12, direct.limit());
        assertEquals(8, view.size());
        assertEquals(4, view.get(0));
        assertTrue(view.isDirect());
        assertTrue(ByteView.wrap(direct.asReadOnlyBuffer()).isReadOnly());
    }

    @Test
    void slicesOfSlicesShareContentWithTheSource() {
        byte[] array = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        ByteView inner = ByteView.wrap(array).slice(2, 9).slice(1, 4).slice(1);

        assertArrayEquals(new byte[] {4, 5}, inner.toByteArray());
        array[4] = 44;
        assertEquals(44, inner.get(0));
        inner.buffer().put(1, (byte) 55);
        assertEquals(55, array[5]);
    }

    @Test
    void slicingTheWholeViewOrNothingIsCheap() {
        ByteView view = ByteView.allocate(10);
        assertSame(view, view.slice(0, 10));
        assertEquals(0, view.slice(10).size());
        assertTrue(view.slice(3, 3).isEmpty());
    }

    @Test
    void sliceBoundsErrorsNameTheBoundsAndTheSize() {
        ByteView view = ByteView.allocate(10);

        assertEquals("slice [5, 20) out of bounds for a view of 10 bytes",
                assertThrows(IndexOutOfBoundsException.class, () -> view.slice(5, 20)).getMessage());
        assertEquals("slice [-1, 3) out of bounds for a view of 10 bytes",
                assertThrows(IndexOutOfBoundsException.class, () -> view.slice(-1, 3)).getMessage());
        assertEquals("slice [7, 6) out of bounds for a view of 10 bytes",
                assertThrows(IndexOutOfBoundsException.class, () -> view.slice(7, 6)).getMessage());
        assertEquals("slice [11, 10) out of bounds for a view of 10 bytes",
                assertThrows(IndexOutOfBoundsException.class, () -> view.slice(11)).getMessage());
        assertThrows(IndexOutOfBoundsException.class, () -> view.get(10));
    }

    @Test
    void aReadOnlyViewRefusesWritesButSeesOtherWriters() {
        byte[] array = new byte[16];
        ByteView readOnly = ByteView.wrap(array).readOnly();

        assertTrue(readOnly.isReadOnly());
        assertSame(readOnly, readOnly.readOnly());
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.buffer().put(0, (byte) 1));
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.slice(2, 10).buffer().put((byte) 1));
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.asDoubles().put(0, 1.0));
        assertThrows(ReadOnlyBufferException.class, () -> readOnly.asShorts(ByteOrder.BIG_ENDIAN).put(0, (short) 1));
        array[0] = 5;
        assertEquals(5, readOnly.get(0));
    }

    @Test
    void typedViewsUseNativeOrderByDefault() {
        ByteView view = ByteView.allocateDirect(16);
        view.asDoubles().put(1, 2.5);

        assertEquals(2.5, view.buffer().order(ByteOrder.nativeOrder()).getDouble(8));
        assertEquals(ByteOrder.nativeOrder(), view.asDoubles().order());
        assertEquals(ByteOrder.nativeOrder(), view.asInts().order());
    }

    @Test
    void typedViewsWriteAndReadInBothByteOrders() {
        ByteView view = ByteView.allocate(8);

        view.asLongs(ByteOrder.BIG_ENDIAN).put(0, 0x0102030405060708L);
        assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, view.toByteArray());
        assertEquals(0x0807060504030201L, view.asLongs(ByteOrder.LITTLE_ENDIAN).get(0));
        assertEquals(0x01020304, view.asInts(ByteOrder.BIG_ENDIAN).get(0));
        assertEquals(0x04030201, view.asInts(ByteOrder.LITTLE_ENDIAN).get(0));
        assertEquals(0x0708, view.asShorts(ByteOrder.BIG_ENDIAN).get(3));
        assertEquals(0x0807, view.asShorts(ByteOrder.LITTLE_ENDIAN).get(3));

        view.asFloats(ByteOrder.LITTLE_ENDIAN).put(1, 1.5f);
        assertEquals(Float.floatToIntBits(1.5f), view.buffer().order(ByteOrder.LITTLE_ENDIAN).getInt(4));
        view.asDoubles(ByteOrder.BIG_ENDIAN).put(0, -3.25);
        assertEquals(-3.25, ByteBuffer.wrap(view.toByteArray()).getDouble());
        assertEquals(1, view.asDoubles(ByteOrder.LITTLE_ENDIAN).capacity());
    }

    @Test
    void aTypedViewOfARaggedSizeIsRefusedWithTheNumbers() {
        ByteView view = ByteView.allocate(13);
        assertEquals("a view of 13 bytes is not a whole number of 8-byte doubles (5 bytes left over)",
                assertThrows(IllegalStateException.class, view::asDoubles).getMessage());
        assertEquals(3, view.slice(0, 12).asInts().capacity());
    }

    @Test
    void eachBufferHasItsOwnPositionAndLimit() {
        ByteView view = ByteView.wrap(new byte[] {1, 2, 3, 4, 5});
        ByteBuffer first = view.buffer();
        ByteBuffer second = view.buffer();

        first.position(3).limit(4);

        assertEquals(0, second.position());
        assertEquals(5, second.limit());
        assertEquals(5, view.buffer().remaining());
    }

    @Test
    void toByteArrayIsACopy() {
        byte[] array = {1, 2, 3};
        ByteView view = ByteView.wrap(array);
        byte[] copy = view.toByteArray();
        array[0] = 9;
        assertEquals(1, copy[0]);
    }

    @Test
    void equalityAndHashCompareContentAcrossMemoryKinds() {
        ByteView heap = ByteView.wrap(new byte[] {1, 2, 3});
        ByteView direct = ByteView.allocateDirect(3);
        direct.buffer().put(new byte[] {1, 2, 3});

        assertEquals(heap, direct);
        assertEquals(heap, direct.readOnly());
        assertEquals(heap.hashCode(), direct.hashCode());
        assertNotEquals(heap, direct.slice(0, 2));
        direct.buffer().put(2, (byte) 4);
        assertNotEquals(heap, direct);
        assertEquals("ByteView[3 bytes, direct, read-only]", direct.readOnly().toString());
    }

    @Test
    void allocationsAreZeroFilledAndRefuseNegativeSizes() {
        assertArrayEquals(new byte[5], ByteView.allocateDirect(5).toByteArray());
        assertArrayEquals(new byte[5], ByteView.allocate(5).toByteArray());
        assertEquals("size must be >= 0, was -1",
                assertThrows(IllegalArgumentException.class, () -> ByteView.allocateDirect(-1)).getMessage());
    }

    @Test
    void mapViewsAFileRegionReadOnly(@TempDir Path dir) throws Exception {
        byte[] content = Bytes.random(4096 + 17, 1);
        Path file = Files.write(dir.resolve("data.bin"), content);

        ByteView mapped = ByteView.map(file, 4000, 100);

        assertTrue(mapped.isReadOnly());
        assertTrue(mapped.isDirect());
        assertEquals(ByteView.wrap(content, 4000, 100), mapped);
        assertThrows(ReadOnlyBufferException.class, () -> mapped.buffer().put((byte) 0));
        assertEquals(0, ByteView.map(file, content.length, 0).size());
        assertTrue(ByteView.map(file, content.length, 0).isDirect());
    }

    @Test
    void mapPastTheEndOfTheFileNamesTheFileSize(@TempDir Path dir) throws Exception {
        Path file = Files.write(dir.resolve("small.bin"), new byte[100]);

        assertEquals("cannot map 100 bytes at offset 50 of a file of 100 bytes",
                assertThrows(IllegalArgumentException.class, () -> ByteView.map(file, 50, 100)).getMessage());
        assertEquals("cannot map offset -1, count 10: both must be >= 0",
                assertThrows(IllegalArgumentException.class, () -> ByteView.map(file, -1, 10)).getMessage());
        assertEquals("cannot map 2147483648 bytes at offset 0 of a file of 100 bytes",
                assertThrows(IllegalArgumentException.class, () -> ByteView.map(file, 0, 1L << 31)).getMessage());
        assertEquals("cannot map 100 bytes at offset 9223372036854775807 of a file of 100 bytes",
                assertThrows(IllegalArgumentException.class, () -> ByteView.map(file, Long.MAX_VALUE, 100)).getMessage());
    }
}
