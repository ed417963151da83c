package dev.zerocopy;

import dev.zerocopy.internal.Lease;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.nio.ShortBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;

/**
 * An immutable window over a run of bytes on the heap, in direct memory or in a
 * memory-mapped file: the JVM counterpart of Python's {@code memoryview}.
 *
 * <p><b>Aliasing.</b> A view never owns or copies its bytes. Every view made from
 * another ({@link #slice}, {@link #readOnly}) and every buffer it hands out
 * ({@link #buffer}, {@link #asDoubles} and the other typed views) shares content
 * with it: a byte written through one is seen through all of them, and through
 * the array or buffer the view was made from. Positions and limits are never
 * shared: each buffer handed out has its own.
 *
 * <p><b>Immutability and threads.</b> The window (where it starts, how long it is,
 * whether it is read-only) never changes after construction, so a view may be
 * used from any number of threads at once; in particular many threads may send
 * the same view at the same time. The <em>bytes</em> under a writable view can
 * change, and the view does not order such writes against concurrent reads:
 * that is the caller's business, as with any shared array.
 *
 * <p><b>Size.</b> A view holds at most {@link Integer#MAX_VALUE} bytes, the
 * limit of a {@link ByteBuffer}. Larger data is sent as several views.
 *
 * <p><b>Release.</b> A view from a {@link ViewPool} is held until {@link #close()}
 * is called once on it or on any view made from it; afterwards every method
 * that reaches its bytes throws {@link IllegalStateException}. Views not from a
 * pool need no release, and {@code close()} does nothing for them.
 *
 * <p>Equality and hash code compare content, so a writable view used as a map
 * key must not change while it is there.
 */
public final class ByteView implements AutoCloseable {

    private static final ByteView EMPTY = new ByteView(ByteBuffer.allocate(0));

    /** The window: position 0, limit == capacity == size; never modified, never handed out. */
    private final ByteBuffer window;
    /** The pool acquisition this view is part of, or null if the memory is not pooled. */
    private final Lease lease;

    private ByteView(ByteBuffer window) {
        this(window, null);
    }

    private ByteView(ByteBuffer window, Lease lease) {
        this.window = window;
        this.lease = lease;
    }

    /** A view of pooled memory, for {@link ViewPool}. */
    static ByteView leased(ByteBuffer window, Lease lease) {
        return new ByteView(window, lease);
    }

    /**
     * Returns a view of the whole array. Writes through the view change the
     * array, and writes to the array are seen through the view.
     *
     * @param array the bytes to view
     * @return a writable heap view of {@code array.length} bytes
     */
    public static ByteView wrap(byte[] array) {
        return new ByteView(ByteBuffer.wrap(array).slice());
    }

    /**
     * Returns a view of {@code count} bytes of the array starting at {@code offset},
     * sharing the array as {@link #wrap(byte[])} does.
     *
     * @param array the bytes to view
     * @param offset the index of the first byte in the view
     * @param count the number of bytes in the view
     * @return a writable heap view of {@code count} bytes
     * @throws IndexOutOfBoundsException if the range does not lie inside the array
     */
    public static ByteView wrap(byte[] array, int offset, int count) {
        Objects.checkFromIndexSize(offset, count, array.length);
        return new ByteView(ByteBuffer.wrap(array, offset, count).slice());
    }

    /**
     * Returns a view of the bytes between the buffer's position and its limit.
     * The buffer's position, limit and mark are not changed, now or later: the
     * view keeps its own. The view is read-only if the buffer is, and direct if
     * the buffer is; its content is the buffer's.
     *
     * @param buffer a heap, direct or mapped buffer
     * @return a view of {@code buffer.remaining()} bytes
     */
    public static ByteView wrap(ByteBuffer buffer) {
        return new ByteView(buffer.slice());
    }

    /**
     * Returns a writable view of a new zero-filled heap array of {@code size} bytes.
     *
     * @param size the number of bytes
     * @return a new writable heap view
     * @throws IllegalArgumentException if {@code size} is negative
     */
    public static ByteView allocate(int size) {
        checkSize(size);
        return new ByteView(ByteBuffer.allocate(size));
    }

    /**
     * Returns a writable view of a new zero-filled direct buffer of {@code size}
     * bytes. Direct memory is what sockets read and write without an extra copy
     * inside the JDK, so it is the best place for large data that travels. It is
     * freed when the last view and buffer over it become unreachable.
     *
     * @param size the number of bytes
     * @return a new writable direct view
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws OutOfMemoryError if the JVM's direct memory limit would be exceeded
     */
    public static ByteView allocateDirect(int size) {
        checkSize(size);
        return new ByteView(ByteBuffer.allocateDirect(size));
    }

    /**
     * Returns the empty view.
     *
     * @return a view of zero bytes
     */
    public static ByteView empty() {
        return EMPTY;
    }

    /**
     * Maps {@code count} bytes of a file starting at {@code offset} into memory,
     * read-only. The file is opened and closed by this method; the mapping stays
     * valid after that until the view becomes unreachable.
     *
     * <p>The mapping shows the file as it is: if another process changes the bytes,
     * the view shows the change. If the file is truncated below the mapped range
     * while the view is in use, reading the lost pages fails with an
     * {@link InternalError} raised by the JVM; do not truncate mapped files.
     *
     * @param file the file to map
     * @param offset the file position of the first byte in the view
     * @param count the number of bytes in the view
     * @return a direct, read-only view of the file region
     * @throws IllegalArgumentException if the range is negative, larger than
     *     {@link Integer#MAX_VALUE}, or extends past the end of the file (the
     *     message names the file's size)
     * @throws IOException if the file cannot be opened or mapped
     */
    public static ByteView map(Path file, long offset, long count) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return map(channel, offset, count);
        }
    }

    /**
     * Maps {@code count} bytes of an open file channel starting at {@code offset}
     * into memory, read-only, as {@link #map(Path, long, long)} does. The channel's
     * position is not used or changed, and it may be closed once this returns.
     *
     * @param file a channel open for reading
     * @param offset the file position of the first byte in the view
     * @param count the number of bytes in the view
     * @return a direct, read-only view of the file region
     * @throws IllegalArgumentException if the range is negative, larger than
     *     {@link Integer#MAX_VALUE}, or extends past the end of the file
     * @throws IOException if the file cannot be mapped
     */
    public static ByteView map(FileChannel file, long offset, long count) throws IOException {
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException(
                    "cannot map offset " + offset + ", count " + count + ": both must be >= 0");
        }
        if (count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(
                    "cannot map " + count + " bytes: a view holds at most " + Integer.MAX_VALUE);
        }
        long fileSize = file.size();
        if (offset > fileSize - count) {
            throw new IllegalArgumentException("cannot map " + count + " bytes at offset " + offset
                    + " of a file of " + fileSize + " bytes");
        }
        if (count == 0) {
            return new ByteView(ByteBuffer.allocateDirect(0).asReadOnlyBuffer());
        }
        return new ByteView(file.map(FileChannel.MapMode.READ_ONLY, offset, count));
    }

    /**
     * Returns the number of bytes in this view.
     *
     * @return the size in bytes
     */
    public int size() {
        return window.capacity();
    }

    /**
     * Tells whether this view has no bytes.
     *
     * @return {@code true} if {@link #size()} is 0
     */
    public boolean isEmpty() {
        return window.capacity() == 0;
    }

    /**
     * Tells whether writes through this view are refused. Bytes are never written
     * through a read-only view: receiving into one fails with
     * {@link java.nio.ReadOnlyBufferException}, and so do writes to its buffers.
     *
     * @return {@code true} if this view is read-only
     */
    public boolean isReadOnly() {
        return window.isReadOnly();
    }

    /**
     * Tells whether the bytes live outside the Java heap (a direct buffer or a
     * mapped file), where channels reach them without an intermediate copy.
     *
     * @return {@code true} for direct and mapped views
     */
    public boolean isDirect() {
        return window.isDirect();
    }

    /**
     * Returns a read-only view of the same bytes. The content is shared: writes
     * made through other views of these bytes are seen through the new one.
     *
     * @return a read-only view of the same window; this view if it is read-only already
     */
    public ByteView readOnly() {
        return isReadOnly() ? this : new ByteView(held().asReadOnlyBuffer(), lease);
    }

    /**
     * Returns the view of bytes {@code from} (inclusive) to {@code to} (exclusive)
     * of this view, in constant time and without copying. The slice shares content
     * with this view and is read-only if this view is.
     *
     * @param from the index of the first byte of the slice
     * @param to the index after the last byte of the slice
     * @return a view of {@code to - from} bytes
     * @throws IndexOutOfBoundsException if {@code from < 0}, {@code to > size()} or
     *     {@code from > to}; the message names both bounds and the size
     */
    public ByteView slice(int from, int to) {
        if (from < 0 || to > window.capacity() || from > to) {
            throw new IndexOutOfBoundsException(
                    "slice [" + from + ", " + to + ") out of bounds for a view of " + window.capacity() + " bytes");
        }
        if (from == 0 && to == window.capacity()) {
            held();
            return this;
        }
        return new ByteView(held().slice(from, to - from), lease);
    }

    /**
     * Returns the view of the bytes from {@code from} to the end, as
     * {@code slice(from, size())}: the {@code view[n:]} of the Python recipe.
     *
     * @param from the index of the first byte of the slice
     * @return a view of {@code size() - from} bytes sharing content with this one
     * @throws IndexOutOfBoundsException if {@code from} is negative or past the end
     */
    public ByteView slice(int from) {
        return slice(from, window.capacity());
    }

    /**
     * Returns the byte at {@code index}.
     *
     * @param index an index in {@code [0, size())}
     * @return the byte there
     * @throws IndexOutOfBoundsException if {@code index} is outside the view
     */
    public byte get(int index) {
        return held().get(Objects.checkIndex(index, window.capacity()));
    }

    /**
     * Returns a new buffer over exactly this window: position 0, limit and capacity
     * {@link #size()}, big-endian order, read-only if this view is. The buffer
     * shares content with the view but has its own position, limit and mark, so
     * each caller (each thread sending this view, say) gets one of its own and
     * none disturbs another.
     *
     * @return a fresh buffer over the view's bytes
     */
    public ByteBuffer buffer() {
        return held().duplicate();
    }

    /**
     * Returns the bytes as doubles in the platform's native byte order, which is the
     * layout of a {@code double[]} or a numpy {@code float64} array on this machine.
     * The buffer shares content with the view; see {@link #asDoubles(ByteOrder)}.
     *
     * @return a buffer of {@code size() / 8} doubles
     * @throws IllegalStateException if {@code size()} is not a multiple of 8
     */
    public DoubleBuffer asDoubles() {
        return asDoubles(ByteOrder.nativeOrder());
    }

    /**
     * Returns the bytes as doubles in the given byte order, like Python's
     * {@code memoryview.cast('d')}. The buffer shares content with the view (writes
     * through it change the view's bytes; it is read-only if the view is) and has
     * its own position and limit.
     *
     * @param order the byte order of each element
     * @return a buffer of {@code size() / 8} doubles
     * @throws IllegalStateException if {@code size()} is not a multiple of 8
     */
    public DoubleBuffer asDoubles(ByteOrder order) {
        return typed(Double.BYTES, "doubles", order).asDoubleBuffer();
    }

    /**
     * Returns the bytes as longs in the platform's native byte order.
     *
     * @return a buffer of {@code size() / 8} longs sharing content with the view
     * @throws IllegalStateException if {@code size()} is not a multiple of 8
     */
    public LongBuffer asLongs() {
        return asLongs(ByteOrder.nativeOrder());
    }

    /**
     * Returns the bytes as longs in the given byte order, sharing content with the view.
     *
     * @param order the byte order of each element
     * @return a buffer of {@code size() / 8} longs
     * @throws IllegalStateException if {@code size()} is not a multiple of 8
     */
    public LongBuffer asLongs(ByteOrder order) {
        return typed(Long.BYTES, "longs", order).asLongBuffer();
    }

    /**
     * Returns the bytes as ints in the platform's native byte order.
     *
     * @return a buffer of {@code size() / 4} ints sharing content with the view
     * @throws IllegalStateException if {@code size()} is not a multiple of 4
     */
    public IntBuffer asInts() {
        return asInts(ByteOrder.nativeOrder());
    }

    /**
     * Returns the bytes as ints in the given byte order, sharing content with the view.
     *
     * @param order the byte order of each element
     * @return a buffer of {@code size() / 4} ints
     * @throws IllegalStateException if {@code size()} is not a multiple of 4
     */
    public IntBuffer asInts(ByteOrder order) {
        return typed(Integer.BYTES, "ints", order).asIntBuffer();
    }

    /**
     * Returns the bytes as floats in the platform's native byte order.
     *
     * @return a buffer of {@code size() / 4} floats sharing content with the view
     * @throws IllegalStateException if {@code size()} is not a multiple of 4
     */
    public FloatBuffer asFloats() {
        return asFloats(ByteOrder.nativeOrder());
    }

    /**
     * Returns the bytes as floats in the given byte order, sharing content with the view.
     *
     * @param order the byte order of each element
     * @return a buffer of {@code size() / 4} floats
     * @throws IllegalStateException if {@code size()} is not a multiple of 4
     */
    public FloatBuffer asFloats(ByteOrder order) {
        return typed(Float.BYTES, "floats", order).asFloatBuffer();
    }

    /**
     * Returns the bytes as shorts in the platform's native byte order.
     *
     * @return a buffer of {@code size() / 2} shorts sharing content with the view
     * @throws IllegalStateException if {@code size()} is not a multiple of 2
     */
    public ShortBuffer asShorts() {
        return asShorts(ByteOrder.nativeOrder());
    }

    /**
     * Returns the bytes as shorts in the given byte order, sharing content with the view.
     *
     * @param order the byte order of each element
     * @return a buffer of {@code size() / 2} shorts
     * @throws IllegalStateException if {@code size()} is not a multiple of 2
     */
    public ShortBuffer asShorts(ByteOrder order) {
        return typed(Short.BYTES, "shorts", order).asShortBuffer();
    }

    /**
     * Copies the bytes of this view into a new array. This is the one method of the
     * class that copies, and it says so in its name.
     *
     * @return a new array of {@link #size()} bytes
     */
    public byte[] toByteArray() {
        byte[] copy = new byte[window.capacity()];
        held().get(0, copy);
        return copy;
    }

    /**
     * Compares content: another view is equal if it holds the same bytes in the
     * same order, whatever memory each lives in and whether either is read-only.
     */
    @Override
    public boolean equals(Object other) {
        return other instanceof ByteView that && held().equals(that.held());
    }

    /** Returns a hash of the content, consistent with {@link #equals}. */
    @Override
    public int hashCode() {
        return held().hashCode();
    }

    /**
     * Releases this view's pooled memory back to its {@link ViewPool}, for this view
     * and every view made from the same acquisition (slices, read-only views): none
     * of them may be used afterwards, nor any buffer they handed out. For a view
     * that is not pooled this does nothing, however often it is called.
     *
     * @throws IllegalStateException if this pooled view's acquisition was released
     *     already (by this view or another made from it); nothing changes then
     */
    @Override
    public void close() {
        if (lease != null) {
            lease.release();
        }
    }

    /**
     * Tells whether this view's memory came from a {@link ViewPool}.
     *
     * @return {@code true} for pooled views, released or not
     */
    public boolean isPooled() {
        return lease != null;
    }

    /** Describes the window (size, memory kind, read-only), not the content. */
    @Override
    public String toString() {
        return "ByteView[" + window.capacity() + " bytes, " + (isDirect() ? "direct" : "heap")
                + (isReadOnly() ? ", read-only" : "")
                + (lease == null ? "" : lease.isHeld() ? ", pooled" : ", released") + "]";
    }

    private ByteBuffer typed(int elementBytes, String elements, ByteOrder order) {
        Objects.requireNonNull(order, "order");
        int size = window.capacity();
        if (size % elementBytes != 0) {
            throw new IllegalStateException("a view of " + size + " bytes is not a whole number of "
                    + elementBytes + "-byte " + elements + " (" + size % elementBytes + " bytes left over)");
        }
        return held().duplicate().order(order);
    }

    /** The window, after checking that pooled memory is still held. */
    private ByteBuffer held() {
        if (lease != null) {
            lease.checkHeld();
        }
        return window;
    }

    private static void checkSize(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
    }
}
