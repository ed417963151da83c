package dev.zerocopy.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One pooled direct buffer and its generation. Each acquisition of the buffer
 * is a {@link Lease} stamped with the generation current at the time; releasing
 * it moves the generation on, so a view still holding the old lease can tell it
 * was released, and a second release finds the generation moved and fails.
 * Exactly one release (or one leak recovery) wins the move, so the buffer goes
 * back to the pool once per acquisition and never reaches two owners.
 */
public final class PoolSlot {

    private static final VarHandle GENERATION;

    static {
        try {
            GENERATION = MethodHandles.lookup().findVarHandle(PoolSlot.class, "generation", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** The whole pooled buffer; views are slices of it. */
    public final ByteBuffer buffer;
    private volatile long generation;

    public PoolSlot(ByteBuffer buffer) {
        this.buffer = buffer;
    }

    /** The generation of the current (or next) acquisition. */
    public long generation() {
        return generation;
    }

    /** Ends acquisition {@code expected}; false if it had ended already. */
    public boolean end(long expected) {
        return GENERATION.compareAndSet(this, expected, expected + 1);
    }

    /** The pooled capacity in bytes. */
    public int capacity() {
        return buffer.capacity();
    }
}
