package dev.zerocopy;

/**
 * A report that a pooled view became unreachable without being released. By the
 * time it is made, the memory is back in the pool.
 *
 * @param byteCount the size the view was acquired with
 * @param acquiredAt a throwable whose stack trace shows where the view was
 *     acquired, or null if that acquisition was not sampled (see
 *     {@link ViewPool#sampleLeakStacks(int)})
 */
public record ViewLeak(long byteCount, Throwable acquiredAt) {

    /** Describes the leak in one line, ending with where to find its origin. */
    @Override
    public String toString() {
        return "pooled view of " + byteCount + " bytes became unreachable without close(); "
                + (acquiredAt == null
                        ? "call ViewPool.sampleLeakStacks(1) to record where views are acquired"
                        : "acquired at the stack trace attached");
    }
}
