package dev.zerocopy;

/**
 * A snapshot of a {@link ViewPool}'s figures, taken under its lock so they agree
 * with one another.
 *
 * @param maxBytes the pool's bound: it never holds more than this
 * @param bytesHeld direct memory the pool holds, idle or handed out (pooled
 *     capacities, which round each request up by at most a quarter)
 * @param bytesIdle the part of {@code bytesHeld} waiting in the pool for reuse
 * @param viewsOut acquisitions not yet released
 * @param misses acquisitions the pool could not serve from idle memory, so it
 *     allocated (and possibly freed idle buffers of other sizes to stay bounded)
 * @param waits acquisitions that found the pool at its bound and waited for a release
 * @param leaks pooled views that became unreachable without being released; their
 *     memory went back to the pool
 */
public record PoolFigures(long maxBytes, long bytesHeld, long bytesIdle, long viewsOut, long misses,
        long waits, long leaks) {
}
