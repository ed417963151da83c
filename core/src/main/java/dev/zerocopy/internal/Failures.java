package dev.zerocopy.internal;

import dev.zerocopy.EndOfStreamException;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferException;
import java.io.IOException;
import java.io.InterruptedIOException;

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
     * timeout or an interrupt, which keep their JDK types), or else a
     * {@link TransferException} with the counts of {@code transfer} and {@code failure}
     * as its cause.
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
        return new TransferException(transfer.report(), what, failure);
    }

    /** As {@link #withCounts(Transfer, String, IOException)}, for a call that is not a {@link Transfer}. */
    public static IOException withCounts(long transferred, long byteCount, String what, IOException failure) {
        if (hasCounts(failure)) {
            return failure;
        }
        return new TransferException(transferred, byteCount, what, failure);
    }

    private static boolean hasCounts(IOException failure) {
        return failure instanceof TransferException || failure instanceof EndOfStreamException
                || failure instanceof InterruptedIOException; // TransferTimeoutException is one
    }
}
