package dev.zerocopy;

import java.io.IOException;

/**
 * Signals that a channel failed part way through a transfer: the peer reset the
 * connection, another thread closed the channel, a file could not be read or
 * written. {@link #report()} says how far the transfer got. The channel's own exception is the {@linkplain #getCause() cause}, so
 * its type stays there to test (a {@link java.net.SocketException} "Connection
 * reset", an {@link java.nio.channels.AsynchronousCloseException}); this one adds
 * how far the transfer got. What a partial transfer leaves behind is as
 * {@link Transfer} says: a receive keeps the bytes that arrived at the start of the
 * view, and a send has put {@link #transferred()} bytes on the wire.
 *
 * <p>The two other ways a transfer fails carry the same counts under the JDK types
 * callers already catch: {@link EndOfStreamException} (an {@link java.io.EOFException})
 * and {@link TransferTimeoutException} (a {@link java.net.SocketTimeoutException}).
 * An interrupt of the transfer's thread ends it with {@link TransferInterruptedException}
 * (an {@link java.io.InterruptedIOException}), which carries the same report.
 */
public final class TransferException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The transfer's counts (not serialized: a deserialized exception keeps only its message) when it failed. */
    private final transient TransferReport report;

    /**
     * Creates the exception for a transfer of {@code byteCount} bytes whose channel
     * failed after {@code transferred}.
     *
     * @param transferred the bytes moved before the failure
     * @param byteCount the bytes the transfer was to move
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     * @param cause the channel's exception
     */
    public TransferException(long transferred, long byteCount, String what, IOException cause) {
        this(TransferReport.of(transferred, byteCount), what, cause);
    }

    /**
     * Creates the exception for a transfer whose channel failed when its counts were as
     * {@code report} says.
     *
     * @param report the transfer's report when it failed
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     * @param cause the channel's exception
     */
    public TransferException(TransferReport report, String what, IOException cause) {
        super("failed after " + report.transferred() + " of " + report.byteCount() + " " + what + ": " + cause, cause);
        this.report = report;
    }

    /** Creates the exception for a failure found by the transfer itself, such as a file that shrank. */
    TransferException(String message, TransferReport report) {
        super(message);
        this.report = report;
    }

    /**
     * Returns the report of the transfer at the moment it failed: bytes moved (by mode,
     * for a file transfer), steps, waits and duration.
     *
     * @return the report
     */
    public TransferReport report() {
        return report;
    }

    /**
     * Returns the number of bytes moved before the failure: {@code report().transferred()}.
     *
     * @return bytes moved
     */
    public long transferred() {
        return report.transferred();
    }

    /**
     * Returns the number of bytes the transfer was to move: {@code report().byteCount()}.
     *
     * @return bytes expected
     */
    public long byteCount() {
        return report.byteCount();
    }
}
