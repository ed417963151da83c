package dev.zerocopy;

import java.io.EOFException;

/**
 * Signals that the peer ended the stream before a transfer that needed a fixed
 * number of bytes was complete. The bytes that did arrive are kept where they
 * were received; {@link #transferred()} says how many that is, and {@link #report()}
 * gives the transfer's whole report.
 */
public final class EndOfStreamException extends EOFException {

    private static final long serialVersionUID = 1L;

    /** The transfer's counts (not serialized: a deserialized exception keeps only its message) when the stream ended. */
    private final transient TransferReport report;

    /**
     * Creates the exception for a transfer of {@code byteCount} bytes that ended
     * after {@code transferred}.
     *
     * @param transferred the bytes received before the end of stream
     * @param byteCount the bytes expected
     * @param what what the bytes were, for the message ("bytes", "frame header bytes")
     */
    public EndOfStreamException(long transferred, long byteCount, String what) {
        this(TransferReport.of(transferred, byteCount), what);
    }

    /**
     * Creates the exception for a transfer that ended as {@code report} says.
     *
     * @param report the transfer's report when the stream ended
     * @param what what the bytes were, for the message ("bytes", "frame header bytes")
     */
    public EndOfStreamException(TransferReport report, String what) {
        super("stream ended after " + report.transferred() + " of " + report.byteCount() + " " + what);
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
