package dev.zerocopy.internal;

import dev.zerocopy.Transfer;
import dev.zerocopy.TransferTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;

/** Drives transfers to completion on the calling thread, waiting for readiness between steps. */
public final class Blocking {

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
        try (ReadinessWait wait = new ReadinessWait(channel, transfer.interestOps(), deadline)) {
            while (!transfer.isComplete()) {
                boolean inTime;
                if (transfer.step() > 0) {
                    wait.progressed();
                    // A transfer that keeps moving must still end at its deadline.
                    inTime = transfer.isComplete() || deadline.remainingNanos() > 0;
                } else {
                    inTime = transfer.isComplete() || wait.await(transfer.transferred());
                }
                if (!inTime) {
                    throw new TransferTimeoutException(
                            deadline.timeoutMillis(), transfer.transferred(), transfer.byteCount(), what);
                }
            }
        } catch (IOException failure) {
            throw Failures.withCounts(transfer, what, failure);
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
        try (ReadinessWait wait = new ReadinessWait(source, SelectionKey.OP_READ, deadline)) {
            while (true) {
                int read = ViewReceiver.readCapped(source, buffer);
                if (read != 0) {
                    return read;
                }
                if (!wait.await(0)) {
                    throw new TransferTimeoutException(
                            deadline.timeoutMillis(), 0, buffer.remaining(), "bytes received");
                }
            }
        } catch (IOException failure) {
            throw Failures.withCounts(0, buffer.remaining(), "bytes received", failure);
        }
    }
}
