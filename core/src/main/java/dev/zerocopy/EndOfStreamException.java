package dev.zerocopy;

import java.io.EOFException;

/**
 * Signals that the peer ended the stream before a transfer that needed a fixed
 * number of bytes was complete. The bytes that did arrive are kept where they
 * were received; {@link #transferred()} says how many that is.
 */
public final class EndOfStreamException extends EOFException {

    private static final long serialVersionUID = 1L;

    /** The bytes moved before the failure. */
    private final long transferred;
    /** The bytes the transfer was to move. */
    private final long byteCount;

    /**
     * Creates the exception for a transfer of {@code byteCount} bytes that ended
     * after {@code transferred}.
     *
     * @param transferred the bytes received before the end of stream
     * @param byteCount the bytes expected
     * @param what what the bytes were, for the message ("bytes", "frame header bytes")
     */
    public EndOfStreamException(long transferred, long byteCount, String what) {
        super("stream ended after " + transferred + " of " + byteCount + " " + what);
        this.transferred = transferred;
        this.byteCount = byteCount;
    }

    /**
     * Returns the number of bytes that arrived before the end of stream.
     *
     * @return bytes received
     */
    public long transferred() {
        return transferred;
    }

    /**
     * Returns the number of bytes the transfer expected.
     *
     * @return bytes expected
     */
    public long byteCount() {
        return byteCount;
    }
}
