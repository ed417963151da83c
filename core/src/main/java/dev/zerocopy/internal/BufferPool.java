package dev.zerocopy.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A bounded pool of direct buffers for the copy loops. It keeps at most
 * {@code maxIdleBytes} of idle buffers; a buffer released when the pool is full
 * is dropped and left to the collector. Every buffer handed out must come back
 * through {@link #release}; {@link #outstanding()} counts those that have not,
 * so tests can check that every path returns what it took.
 *
 * <p>Acquire and release take a lock and allocate nothing once the pool is warm.
 */
public final class BufferPool {

    private static final BufferPool SHARED = new BufferPool(32 << 20);

    private final long maxIdleBytes;
    private final Map<Integer, ArrayDeque<ByteBuffer>> idle = new HashMap<>();
    private long idleBytes;
    private long outstanding;

    public BufferPool(long maxIdleBytes) {
        this.maxIdleBytes = maxIdleBytes;
    }

    /** The pool the file transfers use. */
    public static BufferPool shared() {
        return SHARED;
    }

    /** Returns a cleared direct buffer of exactly {@code capacity} bytes. */
    public ByteBuffer acquire(int capacity) {
        synchronized (this) {
            ArrayDeque<ByteBuffer> free = idle.get(capacity);
            ByteBuffer buffer = free == null ? null : free.pollFirst();
            if (buffer != null) {
                idleBytes -= capacity;
                outstanding++;
                return buffer.clear();
            }
        }
        ByteBuffer fresh = ByteBuffer.allocateDirect(capacity);
        synchronized (this) {
            outstanding++;
        }
        return fresh;
    }

    /** Takes back a buffer from {@link #acquire}; it must not be used afterwards. */
    public void release(ByteBuffer buffer) {
        int capacity = buffer.capacity();
        synchronized (this) {
            if (outstanding == 0) {
                throw new IllegalStateException("released more buffers than were acquired");
            }
            outstanding--;
            if (idleBytes + capacity <= maxIdleBytes) {
                idle.computeIfAbsent(capacity, size -> new ArrayDeque<>()).addFirst(buffer);
                idleBytes += capacity;
            }
        }
    }

    /** Buffers acquired and not yet released. */
    public synchronized long outstanding() {
        return outstanding;
    }

    /** Bytes held in idle buffers. */
    public synchronized long idleBytes() {
        return idleBytes;
    }
}
