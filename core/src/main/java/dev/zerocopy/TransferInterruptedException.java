package dev.zerocopy;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Signals that the thread running a blocking transfer was interrupted, with the counts:
 * {@link #report()} says how far the transfer got, and {@link #bytesTransferred} is set to
 * {@link #transferred()} (capped at {@code Integer.MAX_VALUE}), as for any
 * {@link InterruptedIOException}. The bytes moved before the interrupt stay moved: a receive
 * keeps them at the start of the view (or in the file), and a send has put them on the wire.
 *
 * <p>What happened to the channel depends on where the interrupt found the thread, as the
 * JDK defines it for an {@link java.nio.channels.InterruptibleChannel}:
 * <ul>
 *   <li>inside a channel call (a blocking read, write or {@code transferTo}, on a platform
 *       or a virtual thread), or about to make one: the JDK has <b>closed</b> the channel,
 *       and the {@linkplain #getCause() cause} is its {@link ClosedByInterruptException};
 *       {@link #channelClosed()} is true. The JDK throws that exception without the count
 *       of the call it cut short, so the bytes of that one call (at most one step: 1 MiB, or
 *       4 MiB for a zero-copy file send) are not in the report: a send may have put them on
 *       the wire, a receive may have put them in the view. For a send stuck on a full socket
 *       this is the common case, on platform and virtual threads alike: a blocking write
 *       returns only once all its bytes are written, so the one the interrupt cut short had
 *       usually moved some. A receive waiting for data loses nothing;
 *   <li>waiting for a non-blocking channel to become ready: the channel stays open and
 *       usable, and the cause is the {@link InterruptedIOException} of the wait.
 * </ul>
 * Either way the thread's interrupt status <b>stays set</b>, as the JDK leaves it with a
 * {@code ClosedByInterruptException}: the caller decides whether to clear it.
 */
public final class TransferInterruptedException extends InterruptedIOException {

    private static final long serialVersionUID = 1L;

    /** The transfer's counts (not serialized: a deserialized exception keeps only its message) when it was interrupted. */
    private final transient TransferReport report;

    /**
     * Creates the exception for a transfer whose thread was interrupted when its counts were
     * as {@code report} says.
     *
     * @param report the transfer's report at the interrupt
     * @param what what the bytes were, for the message ("bytes sent", "frame header bytes received")
     * @param cause the channel's {@link ClosedByInterruptException}, or the
     *     {@link InterruptedIOException} of a wait for readiness
     */
    public TransferInterruptedException(TransferReport report, String what, IOException cause) {
        super("interrupted after " + report.transferred() + " of " + report.byteCount() + " " + what
                + (cause instanceof ClosedByInterruptException
                        ? " (the interrupt closed the channel; a call it cut short may have moved bytes not counted here)"
                        : ""));
        this.report = report;
        this.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, report.transferred());
        initCause(cause);
    }

    /**
     * Returns the report of the transfer at the moment it was interrupted: bytes moved (by
     * mode, for a file transfer), steps, waits and duration.
     *
     * @return the report
     */
    public TransferReport report() {
        return report;
    }

    /**
     * Returns the number of bytes moved before the interrupt: {@code report().transferred()},
     * not capped like {@link #bytesTransferred}.
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

    /**
     * Tells whether the interrupt closed the channel (it found the thread in a channel
     * call; the cause is a {@link ClosedByInterruptException}), rather than ending a wait
     * for readiness that left it open.
     *
     * @return true if the channel was closed by the interrupt
     */
    public boolean channelClosed() {
        return getCause() instanceof ClosedByInterruptException;
    }
}
