package dev.zerocopy.internal;

import dev.zerocopy.FileTransfer;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;

/**
 * Drives transfers to completion on the calling thread, waiting for readiness between steps.
 *
 * <p>A deadline on a non-blocking channel bounds the waits. On a blocking selectable
 * channel nothing can cut a blocked call short but closing the channel, so a
 * {@link Watchdog} closes it when the deadline passes, and the call reports the timeout
 * with its counts; a blocking channel is therefore always closed after a timeout.
 */
public final class Blocking {

    /** Added to a timeout's description when the deadline closed a blocking channel. */
    private static final String CLOSED = " (the blocking channel was closed at the deadline)";

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
        Watchdog watchdog = Watchdog.arm(channel, transfer.interestOps(), deadline);
        // A file transfer records its own event, across every driver.
        TransferEvent event = transfer instanceof FileTransfer ? null
                : Jfr.start(transfer.interestOps() == SelectionKey.OP_WRITE ? "send" : "recv");
        ReadinessWait wait = new ReadinessWait(channel, transfer.interestOps(), deadline);
        try (wait) {
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
                    watchdog.fire();
                    throw timeout(deadline, transfer.transferred(), transfer.byteCount(), what, watchdog, null);
                }
            }
        } catch (IOException failed) {
            if (watchdog.fired() && !(failed instanceof TransferTimeoutException)) {
                throw timeout(deadline, transfer.transferred(), transfer.byteCount(), what, watchdog, failed);
            }
            throw Failures.withCounts(transfer, what, failed);
        } finally {
            watchdog.close();
            if (event != null) {
                event.finish(transfer.byteCount(), transfer.transferred(), 0, null, null, wait.waits());
            }
        }
        if (watchdog.fired()) {
            // The deadline closed the channel just as the last step completed the transfer.
            throw timeout(deadline, transfer.transferred(), transfer.byteCount(), what, watchdog, null);
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
                int read = ViewReceiver.readCapped(source, buffer);
                if (read != 0) {
                    if (watchdog.fired()) {
                        throw timeout(deadline, Math.max(0, read), want, "bytes received", watchdog, null);
                    }
                    return read;
                }
                if (!wait.await(0)) {
                    watchdog.fire();
                    throw timeout(deadline, 0, want, "bytes received", watchdog, null);
                }
            }
        } catch (IOException failed) {
            if (watchdog.fired() && !(failed instanceof TransferTimeoutException)) {
                throw timeout(deadline, 0, want, "bytes received", watchdog, failed);
            }
            throw Failures.withCounts(0, want, "bytes received", failed);
        } finally {
            watchdog.close();
        }
    }

    private static TransferTimeoutException timeout(Deadline deadline, long transferred, long byteCount,
            String what, Watchdog watchdog, IOException cause) {
        TransferTimeoutException timeout = new TransferTimeoutException(deadline.timeoutMillis(), transferred,
                byteCount, watchdog.fired() ? what + CLOSED : what);
        if (cause != null) {
            timeout.initCause(cause);
        }
        return timeout;
    }
}
