package dev.zerocopy;

import java.net.SocketTimeoutException;

/**
 * Signals that a transfer ran out of time: its timeout expired, or its idle timeout
 * (see {@link Progress}) passed without a byte moving. The bytes moved before that stay moved: a
 * receive keeps them in the view, and a send has put them on the wire (so the
 * peer saw a partial message). {@link #transferred()} says how many, and
 * {@link #report()} gives the transfer's whole report.
 */
public final class TransferTimeoutException extends SocketTimeoutException {

    private static final long serialVersionUID = 1L;

    /** The transfer's counts (not serialized: a deserialized exception keeps only its message) when it timed out. */
    private final transient TransferReport report;

    /**
     * Creates the exception.
     *
     * @param timeoutMillis the timeout that expired, in milliseconds
     * @param transferred the bytes moved before the timeout
     * @param byteCount the bytes the transfer was to move
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     */
    public TransferTimeoutException(long timeoutMillis, long transferred, long byteCount, String what) {
        this(timeoutMillis, TransferReport.of(transferred, byteCount), what);
    }

    /**
     * Creates the exception for a transfer whose counts were as {@code report} says when
     * its timeout expired.
     *
     * @param timeoutMillis the timeout that expired, in milliseconds
     * @param report the transfer's report at the timeout
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     */
    public TransferTimeoutException(long timeoutMillis, TransferReport report, String what) {
        this("timed out after " + timeoutMillis + " ms with " + report.transferred() + " of " + report.byteCount()
                + " " + what, report);
    }

    /**
     * Creates the exception with its own message, such as that of an idle timeout.
     *
     * @param message the message; it should name the timeout and the counts
     * @param report the transfer's report at the timeout
     */
    public TransferTimeoutException(String message, TransferReport report) {
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
