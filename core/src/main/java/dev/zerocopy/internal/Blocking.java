package dev.zerocopy.internal;

import dev.zerocopy.FileTransfer;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
import dev.zerocopy.TransferTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;

/**
 * Drives transfers to completion on the calling thread, waiting for readiness between steps.
 *
 * <p>A deadline on a non-blocking channel bounds the waits, and so does the idle timeout of
 * a transfer's {@link dev.zerocopy.Progress}, counted from its last step that moved bytes. On a blocking selectable
 * channel nothing can cut a blocked call short but closing the channel, so a
 * {@link Watchdog} closes it when the deadline passes, and the call reports the timeout
 * with its counts; a blocking channel is therefore always closed after a timeout.
 */
public final class Blocking {

    /** Added to a timeout's description when the deadline closed a blocking channel. */
    private static final String CLOSED = " (the blocking channel was closed at the deadline)";
    /** Added to an idle timeout's description when it closed a blocking channel. */
    private static final String CLOSED_IDLE = " (the blocking channel was closed at the idle timeout)";

    private Blocking() {
    }

    /**
     * Steps {@code transfer} until it is complete.
     *
     * @param what what a timeout or failure message calls the bytes ("bytes sent")
     * @return the bytes moved by this call
     * @throws IOException with the counts of the transfer (see {@link Failures#withCounts})
     */
    public static long complete(Transfer transfer, Channel channel, Deadline deadline, String what)
            throws IOException {
        long start = transfer.transferred();
        if (transfer.isComplete()) {
            return 0;
        }
        Tally tally = Tally.of(transfer);
        Watchdog watchdog = Watchdog.arm(channel, transfer.interestOps(), deadline, tally);
        // A file transfer records its own event, across every driver.
        TransferEvent event = transfer instanceof FileTransfer ? null
                : Jfr.start(transfer.interestOps() == SelectionKey.OP_WRITE ? "send" : "recv");
        ReadinessWait wait = new ReadinessWait(channel, transfer.interestOps(), deadline);
        wait.idle(tally);
        try (wait) {
            while (!transfer.isComplete()) {
                boolean inTime;
                if (transfer.step() > 0) {
                    wait.progressed();
                    // A transfer that keeps moving must still end at its deadline.
                    inTime = transfer.isComplete() || deadline.remainingNanos() > 0;
                } else if (transfer.isComplete()) {
                    inTime = true;
                } else {
                    if (tally != null) {
                        tally.waited();
                    }
                    inTime = wait.await(transfer.transferred());
                }
                if (!inTime) {
                    watchdog.fire();
                    throw timeout(deadline, transfer, what, watchdog, null);
                }
            }
        } catch (IOException failed) {
            if (watchdog.fired() && !(failed instanceof TransferTimeoutException)) {
                throw timeout(deadline, transfer, what, watchdog, failed);
            }
            throw Failures.withCounts(transfer, what, failed);
        } finally {
            watchdog.close();
            if (event != null) {
                event.finish(transfer.report());
            }
        }
        if (watchdog.fired()) {
            // The deadline closed the channel just as the last step completed the transfer.
            throw timeout(deadline, transfer, what, watchdog, null);
        }
        return transfer.transferred() - start;
    }

    /**
     * Reads once into {@code buffer}, waiting for readiness if a non-blocking channel has
     * nothing yet: returns at least 1, or -1 at the end of stream, or 0 if {@code buffer} is full.
     */
    public static int readSome(ReadableByteChannel source, ByteBuffer buffer, Deadline deadline)
            throws IOException {
        if (!buffer.hasRemaining()) {
            return 0;
        }
        int want = buffer.remaining();
        Watchdog watchdog = Watchdog.arm(source, SelectionKey.OP_READ, deadline);
        try (ReadinessWait wait = new ReadinessWait(source, SelectionKey.OP_READ, deadline)) {
            while (true) {
                int read = SomeReceiver.step(source, buffer);
                if (read != 0) {
                    if (watchdog.fired()) {
                        throw timeout(deadline, TransferReport.of(Math.max(0, read), want), "bytes received",
                                watchdog, null);
                    }
                    return read;
                }
                if (!wait.await(0)) {
                    watchdog.fire();
                    throw timeout(deadline, TransferReport.of(0, want), "bytes received", watchdog, null);
                }
            }
        } catch (IOException failed) {
            if (watchdog.fired() && !(failed instanceof TransferTimeoutException)) {
                throw timeout(deadline, TransferReport.of(0, want), "bytes received", watchdog, failed);
            }
            throw SomeReceiver.failed(buffer, failed);
        } finally {
            watchdog.close();
        }
    }

    /**
     * The timeout of {@code transfer}: its deadline's, or, if the deadline has not passed, its
     * idle timeout's. Counted once in the process counters.
     */
    private static TransferTimeoutException timeout(Deadline deadline, Transfer transfer, String what,
            Watchdog watchdog, IOException cause) {
        Tally tally = Tally.of(transfer);
        if (tally != null) {
            tally.ended();
        }
        TransferReport report = transfer.report();
        if (tally != null && tally.idles() && deadline.remainingNanos() > 0) {
            Counters.timedOut();
            TransferTimeoutException idle = new TransferTimeoutException("no progress for "
                    + tally.idleTimeoutMillis() + " ms (the idle timeout) after " + report.transferred() + " of "
                    + report.byteCount() + " " + (watchdog.fired() ? what + CLOSED_IDLE : what), report);
            return cause == null ? idle : (TransferTimeoutException) idle.initCause(cause);
        }
        return timeout(deadline, report, what, watchdog, cause);
    }

    private static TransferTimeoutException timeout(Deadline deadline, TransferReport report, String what,
            Watchdog watchdog, IOException cause) {
        Counters.timedOut();
        TransferTimeoutException timeout = new TransferTimeoutException(deadline.timeoutMillis(), report,
                watchdog.fired() ? what + CLOSED : what);
        if (cause != null) {
            timeout.initCause(cause);
        }
        return timeout;
    }
}
