package dev.zerocopy;

import java.net.SocketTimeoutException;

/**
 * Signals that a blocking transfer with a timeout ran out of time while waiting
 * for its channel to become ready. The bytes moved before that stay moved: a
 * receive keeps them in the view, and a send has put them on the wire (so the
 * peer saw a partial message). {@link #transferred()} says how many.
 */
public final class TransferTimeoutException extends SocketTimeoutException {

    private static final long serialVersionUID = 1L;

    /** The bytes moved before the failure. */
    private final long transferred;
    /** The bytes the transfer was to move. */
    private final long byteCount;

    /**
     * Creates the exception.
     *
     * @param timeoutMillis the timeout that expired, in milliseconds
     * @param transferred the bytes moved before the timeout
     * @param byteCount the bytes the transfer was to move
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     */
    public TransferTimeoutException(long timeoutMillis, long transferred, long byteCount, String what) {
        super("timed out after " + timeoutMillis + " ms with " + transferred + " of " + byteCount + " " + what);
        this.transferred = transferred;
        this.byteCount = byteCount;
    }

    /**
     * Returns the number of bytes moved before the timeout.
     *
     * @return bytes moved
     */
    public long transferred() {
        return transferred;
    }

    /**
     * Returns the number of bytes the transfer was to move.
     *
     * @return bytes expected
     */
    public long byteCount() {
        return byteCount;
    }
}
