package dev.zerocopy.internal;

import dev.zerocopy.EndOfStreamException;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferException;
import dev.zerocopy.TransferInterruptedException;
import dev.zerocopy.TransferReport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;

/**
 * Gives a transfer's failure its counts: the one place every driver (the blocking
 * loops here, the Ktor adapter's suspending ones) turns a channel's exception into
 * one that says how far the transfer got.
 */
public final class Failures {

    private Failures() {
    }

    /**
     * Returns {@code failure} if it already carries the counts (an end of stream, a
     * timeout, which keep their JDK types), or else the counts of {@code transfer} with
     * {@code failure} as the cause: a {@link TransferInterruptedException} for an interrupt
     * (a {@link ClosedByInterruptException} from the channel, or the
     * {@link InterruptedIOException} of a wait for readiness), a {@link TransferException}
     * for anything else.
     *
     * @param what what the bytes are, for the message ("bytes sent")
     */
    public static IOException withCounts(Transfer transfer, String what, IOException failure) {
        if (hasCounts(failure)) {
            return failure;
        }
        Tally tally = Tally.of(transfer);
        if (tally != null) {
            tally.ended();
        }
        return counted(transfer.report(), what, failure);
    }

    /** As {@link #withCounts(Transfer, String, IOException)}, for a call that is not a {@link Transfer}. */
    public static IOException withCounts(long transferred, long byteCount, String what, IOException failure) {
        if (hasCounts(failure)) {
            return failure;
        }
        return counted(TransferReport.of(transferred, byteCount), what, failure);
    }

    private static IOException counted(TransferReport report, String what, IOException failure) {
        return isInterrupt(failure) ? new TransferInterruptedException(report, what, failure)
                : new TransferException(report, what, failure);
    }

    private static boolean isInterrupt(IOException failure) {
        // A SocketTimeoutException is an InterruptedIOException too, but no interrupt.
        return failure instanceof ClosedByInterruptException
                || failure instanceof InterruptedIOException && !(failure instanceof SocketTimeoutException);
    }

    private static boolean hasCounts(IOException failure) {
        return failure instanceof TransferException || failure instanceof EndOfStreamException
                || failure instanceof TransferInterruptedException
                || failure instanceof SocketTimeoutException; // TransferTimeoutException is one
    }
}
