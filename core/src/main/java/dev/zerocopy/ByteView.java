package dev.zerocopy;

import dev.zerocopy.internal.Lease;
import dev.zerocopy.internal.ViewBuffers;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
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
 * <p><b>Size.</b> Sizes, offsets and indexes are {@code long}. A view of at most
 * {@link Integer#MAX_VALUE} bytes made by {@link #wrap}, {@link #allocateDirect(long)}
 * or {@link #map} lies in one buffer underneath. A larger direct or mapped view
 * is held in several buffers ("pieces", 1 GiB each unless
 * {@link #allocateDirect(long, int)} says otherwise): it slices in constant time,
 * is sent with gathering writes and received into like any view, and
 * {@link #buffers()} hands out one buffer per piece. {@link #buffer()} and the
 * typed views need one buffer, so they work for any window that lies within one
 * piece (up to 2 GiB) and refuse a window that does not, with a message naming
 * its size and where to cut it with {@link #slice(long, long)}.
 *
 * <p><b>Reuse.</b> The blocking calls of {@link ZeroCopy} and {@link Frames} that move one
 * view keep in it the buffers they used (one buffer per piece and, after a frame, an 8-byte
 * header: about 100 bytes), so that the next call on the same view allocates nothing. The
 * buffers are the view's alone, never per thread, and never handed out; two calls on one view
 * at once (two threads sending it) each get their own.
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

    private static final VarHandle SPARE;

    static {
        try {
            SPARE = MethodHandles.lookup().findVarHandle(ByteView.class, "spare", ByteBuffer[].class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
        ViewBuffers.lender(new ViewBuffers.Lender() {
            @Override
            public ByteBuffer[] claim(ByteView view) {
                return view.claimBuffers();
            }

            @Override
            public void giveBack(ByteView view, ByteBuffer[] buffers) {
                SPARE.setRelease(view, buffers);
            }
        });
    }

    /** The size of each piece of a view too large for one buffer. */
    static final int DEFAULT_PIECE_SIZE = 1 << 30;

    /**
     * The window of a view that lies in one buffer: position 0, limit == capacity ==
     * size; never modified, never handed out. Null for a view over several pieces.
     */
    private final ByteBuffer window;
    /** The pool acquisition this view is part of, or null if the memory is not pooled. */
    private final Lease lease;
    /**
     * For a view over several pieces: the whole pieces (all but the last
     * {@code pieceSize} bytes long), shared by every view over them; never modified.
     */
    private final ByteBuffer[] pieces;
    private final int pieceSize;
    /** Where this view starts in the pieces taken end to end, and its size. */
    private final long start;
    private final long size;
    /**
     * Buffers over this window that the library's blocking sends and receives claim and give back
     * (see {@link ViewBuffers}), so that a view sent or received again and again is moved without a
     * new buffer each time; null before the first such call and while one holds them. A cache, never
     * handed out: the window stays as immutable as the class doc says. Read and written through
     * {@link #SPARE} only, so that two calls never hold the same buffers.
     */
    @SuppressWarnings("unused")
    private ByteBuffer[] spare;

    private ByteView(ByteBuffer window) {
        this(window, null);
    }

    private ByteView(ByteBuffer window, Lease lease) {
        this.window = window;
        this.lease = lease;
        this.pieces = null;
        this.pieceSize = 0;
        this.start = 0;
        this.size = window.capacity();
    }

    private ByteView(ByteBuffer[] pieces, int pieceSize, long start, long size) {
        this.window = null;
        this.lease = null;
        this.pieces = pieces;
        this.pieceSize = pieceSize;
        this.start = start;
        this.size = size;
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
     * Returns a writable view of new zero-filled direct memory of {@code size}
     * bytes: one buffer up to {@link Integer#MAX_VALUE} bytes, 1 GiB pieces beyond.
     * Direct memory is what sockets read and write without an extra copy inside the
     * JDK, so it is the best place for large data that travels. It is freed when
     * the last view and buffer over it become unreachable; for memory released on
     * demand, use a {@link ViewPool}.
     *
     * @param size the number of bytes
     * @return a new writable direct view
     * @throws IllegalArgumentException if {@code size} is negative
     * @throws OutOfMemoryError if the JVM's direct memory limit would be exceeded
     */
    public static ByteView allocateDirect(long size) {
        return allocateDirect(size, size <= Integer.MAX_VALUE ? Integer.MAX_VALUE : DEFAULT_PIECE_SIZE);
    }

    /**
     * Returns a writable view of new zero-filled direct memory of {@code size} bytes
     * held in pieces of {@code pieceSize} bytes (the last one shorter), one buffer if
     * {@code size <= pieceSize}. Smaller pieces are easier for the JVM to find room
     * for; each piece is a window {@link #buffer()} can hand out whole.
     *
     * @param size the number of bytes
     * @param pieceSize the size of each piece
     * @return a new writable direct view
     * @throws IllegalArgumentException if {@code size} is negative or {@code pieceSize} is not positive
     * @throws OutOfMemoryError if the JVM's direct memory limit would be exceeded
     */
    public static ByteView allocateDirect(long size, int pieceSize) {
        checkSize(size);
        if (pieceSize <= 0) {
            throw new IllegalArgumentException("pieceSize must be > 0, was " + pieceSize);
        }
        if (size <= pieceSize) {
            return new ByteView(ByteBuffer.allocateDirect((int) size));
        }
        ByteBuffer[] pieces = new ByteBuffer[pieceCount(size, pieceSize)];
        for (int i = 0; i < pieces.length; i++) {
            pieces[i] = ByteBuffer.allocateDirect((int) Math.min(pieceSize, size - (long) i * pieceSize));
        }
        return new ByteView(pieces, pieceSize, 0, size);
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
     * @throws IllegalArgumentException if the range is negative or extends past the
     *     end of the file (the message names the file's size)
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
     * A region larger than {@link Integer#MAX_VALUE} bytes is mapped in 1 GiB pieces.
     *
     * @param file a channel open for reading
     * @param offset the file position of the first byte in the view
     * @param count the number of bytes in the view
     * @return a direct, read-only view of the file region
     * @throws IllegalArgumentException if the range is negative or extends past the
     *     end of the file
     * @throws IOException if the file cannot be mapped
     */
    public static ByteView map(FileChannel file, long offset, long count) throws IOException {
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException(
                    "cannot map offset " + offset + ", count " + count + ": both must be >= 0");
        }
        long fileSize = file.size();
        if (offset > fileSize - count) {
            throw new IllegalArgumentException("cannot map " + count + " bytes at offset " + offset
                    + " of a file of " + fileSize + " bytes");
        }
        if (count == 0) {
            return new ByteView(ByteBuffer.allocateDirect(0).asReadOnlyBuffer());
        }
        if (count <= Integer.MAX_VALUE) {
            return new ByteView(file.map(FileChannel.MapMode.READ_ONLY, offset, count));
        }
        ByteBuffer[] pieces = new ByteBuffer[pieceCount(count, DEFAULT_PIECE_SIZE)];
        for (int i = 0; i < pieces.length; i++) {
            long at = (long) i * DEFAULT_PIECE_SIZE;
            pieces[i] = file.map(FileChannel.MapMode.READ_ONLY, offset + at, Math.min(DEFAULT_PIECE_SIZE, count - at));
        }
        return new ByteView(pieces, DEFAULT_PIECE_SIZE, 0, count);
    }

    /**
     * Returns the number of bytes in this view.
     *
     * @return the size in bytes
     */
    public long size() {
        return size;
    }

    /**
     * Tells whether this view has no bytes.
     *
     * @return {@code true} if {@link #size()} is 0
     */
    public boolean isEmpty() {
        return size == 0;
    }

    /**
     * Tells whether writes through this view are refused. Bytes are never written
     * through a read-only view: receiving into one fails with
     * {@link java.nio.ReadOnlyBufferException}, and so do writes to its buffers.
     *
     * @return {@code true} if this view is read-only
     */
    public boolean isReadOnly() {
        return window != null ? window.isReadOnly() : pieces[0].isReadOnly();
    }

    /**
     * Tells whether the bytes live outside the Java heap (a direct buffer or a
     * mapped file), where channels reach them without an intermediate copy.
     *
     * @return {@code true} for direct and mapped views
     */
    public boolean isDirect() {
        return window != null ? window.isDirect() : pieces[0].isDirect();
    }

    /**
     * Returns a read-only view of the same bytes. The content is shared: writes
     * made through other views of these bytes are seen through the new one.
     *
     * @return a read-only view of the same window; this view if it is read-only already
     */
    public ByteView readOnly() {
        if (isReadOnly()) {
            return this;
        }
        if (window != null) {
            return new ByteView(held().asReadOnlyBuffer(), lease);
        }
        ByteBuffer[] readOnly = new ByteBuffer[pieces.length];
        for (int i = 0; i < pieces.length; i++) {
            readOnly[i] = pieces[i].asReadOnlyBuffer();
        }
        return new ByteView(readOnly, pieceSize, start, size);
    }

    /**
     * Returns the view of bytes {@code from} (inclusive) to {@code to} (exclusive)
     * of this view, in constant time and without copying, whatever the size. The
     * slice shares content with this view and is read-only if this view is; a slice
     * of a pooled view is valid only while that view is held.
     *
     * @param from the index of the first byte of the slice
     * @param to the index after the last byte of the slice
     * @return a view of {@code to - from} bytes
     * @throws IndexOutOfBoundsException if {@code from < 0}, {@code to > size()} or
     *     {@code from > to}; the message names both bounds and the size
     */
    public ByteView slice(long from, long to) {
        if (from < 0 || to > size || from > to) {
            throw new IndexOutOfBoundsException(
                    "slice [" + from + ", " + to + ") out of bounds for a view of " + size + " bytes");
        }
        if (from == 0 && to == size) {
            held();
            return this;
        }
        if (window != null) {
            return new ByteView(held().slice((int) from, (int) (to - from)), lease);
        }
        long at = start + from;
        long count = to - from;
        int first = (int) (at / pieceSize);
        int last = count == 0 ? first : (int) ((at + count - 1) / pieceSize);
        if (first == last) {
            return new ByteView(pieces[first].slice((int) (at - (long) first * pieceSize), (int) count));
        }
        return new ByteView(pieces, pieceSize, at, count);
    }

    /**
     * Returns the view of the bytes from {@code from} to the end, as
     * {@code slice(from, size())}: the {@code view[n:]} of the Python recipe.
     *
     * @param from the index of the first byte of the slice
     * @return a view of {@code size() - from} bytes sharing content with this one
     * @throws IndexOutOfBoundsException if {@code from} is negative or past the end
     */
    public ByteView slice(long from) {
        return slice(from, size);
    }

    /**
     * Returns the byte at {@code index}.
     *
     * @param index an index in {@code [0, size())}
     * @return the byte there
     * @throws IndexOutOfBoundsException if {@code index} is outside the view
     */
    public byte get(long index) {
        Objects.checkIndex(index, size);
        if (window != null) {
            return held().get((int) index);
        }
        long at = start + index;
        return pieces[(int) (at / pieceSize)].get((int) (at % pieceSize));
    }

    /**
     * Returns a new buffer over exactly this window: position 0, limit and capacity
     * {@link #size()}, big-endian order, read-only if this view is. The buffer
     * shares content with the view but has its own position, limit and mark, so
     * each caller (each thread sending this view, say) gets one of its own and
     * none disturbs another.
     *
     * @return a fresh buffer over the view's bytes
     * @throws IllegalStateException if the view does not lie within one buffer (a
     *     window of a view larger than 2 GiB across a piece boundary); the message
     *     names the size and where to cut it
     */
    public ByteBuffer buffer() {
        if (window == null) {
            throw notOneBuffer("handed out as one ByteBuffer");
        }
        return held().duplicate();
    }

    /**
     * Returns new buffers over this window, in order, one per buffer underneath: one
     * for a view that lies in one buffer, one per piece (the first and last cut to
     * the window) otherwise. Each has position 0 and its own position and limit, and
     * shares content with the view, as {@link #buffer()} does. This is the form
     * gathering writes and scattering reads take.
     *
     * @return fresh buffers covering the view's bytes end to end
     */
    public ByteBuffer[] buffers() {
        if (window != null) {
            return new ByteBuffer[] {held().duplicate()};
        }
        int first = (int) (start / pieceSize);
        int last = (int) ((start + size - 1) / pieceSize);
        ByteBuffer[] buffers = new ByteBuffer[last - first + 1];
        for (int i = first; i <= last; i++) {
            long pieceStart = (long) i * pieceSize;
            long from = Math.max(start, pieceStart);
            long to = Math.min(start + size, pieceStart + pieces[i].capacity());
            buffers[i - first] = pieces[i].slice((int) (from - pieceStart), (int) (to - from));
        }
        return buffers;
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
     * @throws IllegalStateException if the view is larger than an array can be
     *     ({@code Integer.MAX_VALUE - 8} bytes); copy slices of it instead
     */
    public byte[] toByteArray() {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("a view of " + size + " bytes does not fit in one array of at most "
                    + (Integer.MAX_VALUE - 8) + " bytes: copy slice(from, to) windows of it instead");
        }
        byte[] copy = new byte[(int) size];
        int at = 0;
        for (ByteBuffer buffer : buffers()) {
            int count = buffer.remaining();
            buffer.get(0, copy, at, count);
            at += count;
        }
        return copy;
    }

    /**
     * Compares content: another view is equal if it holds the same bytes in the
     * same order, whatever memory each lives in and whether either is read-only.
     */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof ByteView that) || that.size != size) {
            return false;
        }
        if (window != null && that.window != null) {
            return held().equals(that.held());
        }
        return sameBytes(buffers(), that.buffers());
    }

    /** Returns a hash of the content, consistent with {@link #equals}. */
    @Override
    public int hashCode() {
        if (window != null) {
            return held().hashCode();
        }
        // ByteBuffer.hashCode's sum, last byte first, so that equal views hash alike.
        int h = 1;
        ByteBuffer[] buffers = buffers();
        for (int b = buffers.length - 1; b >= 0; b--) {
            ByteBuffer buffer = buffers[b];
            for (int i = buffer.limit() - 1; i >= 0; i--) {
                h = 31 * h + buffer.get(i);
            }
        }
        return h;
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
        return "ByteView[" + size + " bytes, " + (isDirect() ? "direct" : "heap")
                + (window == null ? ", " + buffers().length + " pieces" : "")
                + (isReadOnly() ? ", read-only" : "")
                + (lease == null ? "" : lease.isHeld() ? ", pooled" : ", released") + "]";
    }

    private ByteBuffer typed(int elementBytes, String elements, ByteOrder order) {
        Objects.requireNonNull(order, "order");
        if (window == null) {
            throw notOneBuffer("viewed as " + elements);
        }
        if (size % elementBytes != 0) {
            throw new IllegalStateException("a view of " + size + " bytes is not a whole number of "
                    + elementBytes + "-byte " + elements + " (" + size % elementBytes + " bytes left over)");
        }
        return held().duplicate().order(order);
    }

    /**
     * Claims the spare buffers (or makes them, if another call holds them or none were made yet),
     * reset to cover the window: slot 0 for a frame header (null until a frame needs one), then
     * {@link #buffers()}' buffers. Only {@link ViewBuffers} hands them out, to the blocking loops.
     */
    private ByteBuffer[] claimBuffers() {
        ByteBuffer[] buffers = (ByteBuffer[]) SPARE.getAndSet(this, (ByteBuffer[]) null);
        if (buffers == null) {
            ByteBuffer[] fresh = buffers();
            buffers = new ByteBuffer[fresh.length + 1];
            System.arraycopy(fresh, 0, buffers, 1, fresh.length);
            return buffers;
        }
        // A pooled view's memory may have gone back to its pool since the last call.
        held();
        for (ByteBuffer buffer : buffers) {
            if (buffer != null) {
                buffer.clear();
            }
        }
        return buffers;
    }

    /** The window, after checking that pooled memory is still held. */
    private ByteBuffer held() {
        if (lease != null) {
            lease.checkHeld();
        }
        return window;
    }

    private IllegalStateException notOneBuffer(String what) {
        long boundary = ((start / pieceSize) + 1) * (long) pieceSize - start;
        return new IllegalStateException("a view of " + size + " bytes spans " + buffers().length
                + " buffers of at most " + pieceSize + " bytes and cannot be " + what
                + ": cut it with slice(from, to) at the piece boundaries (the first is at index " + boundary
                + ", then every " + pieceSize + " bytes), or use buffers()");
    }

    /** Tells whether two runs of buffers, of equal total size, hold the same bytes. */
    private static boolean sameBytes(ByteBuffer[] these, ByteBuffer[] those) {
        int i = 0;
        int j = 0;
        while (i < these.length && j < those.length) {
            ByteBuffer a = these[i];
            ByteBuffer b = those[j];
            int count = Math.min(a.remaining(), b.remaining());
            if (a.slice(a.position(), count).mismatch(b.slice(b.position(), count)) >= 0) {
                return false;
            }
            a.position(a.position() + count);
            b.position(b.position() + count);
            if (!a.hasRemaining()) {
                i++;
            }
            if (!b.hasRemaining()) {
                j++;
            }
        }
        return true;
    }

    private static int pieceCount(long size, int pieceSize) {
        return Math.toIntExact((size + pieceSize - 1) / pieceSize);
    }

    private static void checkSize(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
    }
}
