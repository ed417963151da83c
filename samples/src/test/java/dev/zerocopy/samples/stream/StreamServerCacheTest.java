package dev.zerocopy.samples.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The stream server's contract with {@code --cache}: responses are slices of files loaded once. */
final class StreamServerCacheTest extends StreamServerContract {
    @Override
    boolean cache() {
        return true;
    }

    @Test
    void cacheHoldsEveryRegularFileInsideTheRoot() {
        // movie.mp4, sub/clip.webm, small.txt, empty.bin; not the symlinks.
        assertEquals(4, server.getCachedFiles());
        assertEquals(MOVIE_SIZE + 100_003 + 6, server.getCachedBytes());
    }
}
