package dev.zerocopy.internal;

import java.lang.ref.Cleaner;

/**
 * One acquisition of a {@link PoolSlot}: every view made from a pooled view
 * shares its lease. The lease is also what the leak check watches: when no view
 * of it is reachable any more, the {@link Cleaner} runs the check, which returns
 * the buffer to the pool if the views were never released.
 */
public final class Lease {

    /** The owner that takes the buffer back. */
    public interface Owner {
        /** Takes back the slot of a released lease. */
        void released(PoolSlot slot);

        /** Takes back the slot of a lease whose views became unreachable unreleased. */
        void leaked(PoolSlot slot, long byteCount, Throwable acquiredAt);
    }

    private static final Cleaner CLEANER = Cleaner.create();

    private final PoolSlot slot;
    private final long generation;
    private final long byteCount;
    private final Owner owner;
    private final Cleaner.Cleanable check;

    /**
     * @param acquiredAt where the lease was taken, for the leak report; null when not sampled
     */
    public Lease(PoolSlot slot, long byteCount, Owner owner, Throwable acquiredAt) {
        this.slot = slot;
        this.generation = slot.generation();
        this.byteCount = byteCount;
        this.owner = owner;
        this.check = CLEANER.register(this, new LeakCheck(slot, generation, byteCount, owner, acquiredAt));
    }

    /** Tells whether the views of this lease may still be used. */
    public boolean isHeld() {
        return slot.generation() == generation;
    }

    /**
     * Throws if the lease was released; called on every path that hands out the
     * memory (buffers, slices, reads), not on each byte.
     */
    public void checkHeld() {
        if (slot.generation() != generation) {
            throw new IllegalStateException("pooled view of " + byteCount
                    + " bytes used after release: its memory is back in the pool");
        }
    }

    /** Returns the buffer to the pool; throws if it was released before. */
    public void release() {
        if (!slot.end(generation)) {
            throw new IllegalStateException("pooled view of " + byteCount
                    + " bytes released twice: close() must be called once per acquire()");
        }
        check.clean();
        owner.released(slot);
    }

    /** Runs once: on release (and then does nothing) or when the lease became unreachable. */
    private record LeakCheck(PoolSlot slot, long generation, long byteCount, Owner owner, Throwable acquiredAt)
            implements Runnable {
        @Override
        public void run() {
            if (slot.end(generation)) {
                owner.leaked(slot, byteCount, acquiredAt);
            }
        }
    }
}
