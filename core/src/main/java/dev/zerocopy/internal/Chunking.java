package dev.zerocopy.internal;

/** How many bytes and buffers one read or write call may carry. */
public final class Chunking {

    /**
     * At most this many bytes per read or write call. On loopback, writes of
     * about 1 MiB beat one huge write by ~1.4x, and a heap buffer larger than this
     * would make the JDK allocate and cache a temporary direct buffer of its full size.
     */
    public static final int MAX_BYTES_PER_CALL = 1 << 20;

    /** At most this many buffers per gathering write: IOV_MAX on Linux and the BSDs. */
    public static final int MAX_BUFFERS_PER_CALL = 1024;

    private Chunking() {
    }
}
