package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.Frames;
import dev.zerocopy.Progress;
import dev.zerocopy.Transfer;
import dev.zerocopy.TransferReport;
import dev.zerocopy.TransferTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

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

    private static final int OP_READ = SelectionKey.OP_READ;
    private static final int OP_WRITE = SelectionKey.OP_WRITE;

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
        if (transfer.isComplete()) {
            return 0;
        }
        // A file transfer records its own event, across every driver.
        TransferEvent event = transfer instanceof FileTransfer ? null : Jfr.start(operation(transfer.interestOps()));
        return drive(transfer, channel, deadline, what, event, false);
    }

    /**
     * Sends every byte of {@code view}: {@code ZeroCopy.sendFrom}'s loop (see {@link #move}).
     *
     * @return {@code view.size()}
     */
    public static long sendView(WritableByteChannel target, ByteView view, Deadline deadline, Progress progress)
            throws IOException {
        Objects.requireNonNull(target, "target");
        ByteBuffer[] buffers = ViewBuffers.claim(view);
        try {
            move(target, OP_WRITE, buffers, ViewBuffers.FIRST, view.size(), deadline, progress, "bytes sent", null);
            return view.size();
        } finally {
            ViewBuffers.giveBack(view, buffers);
        }
    }

    /**
     * Fills {@code view}: {@code ZeroCopy.recvInto}'s loop (see {@link #move}).
     *
     * @return {@code view.size()}
     * @throws java.nio.ReadOnlyBufferException if the view is read-only (nothing is read)
     */
    public static long recvView(ReadableByteChannel source, ByteView view, Deadline deadline, Progress progress)
            throws IOException {
        Objects.requireNonNull(source, "source");
        ByteBuffer[] buffers = ViewBuffers.claim(ViewReceiver.writable(view));
        try {
            move(source, OP_READ, buffers, ViewBuffers.FIRST, view.size(), deadline, progress, "bytes received",
                    "bytes");
            return view.size();
        } finally {
            ViewBuffers.giveBack(view, buffers);
        }
    }

    /**
     * Sends {@code payload} as one frame, its header in the claimed set's header slot and
     * gathered with the payload into one write where the channel allows it.
     *
     * @return the frame's bytes, {@code 8 + payload.size()}
     */
    public static long sendFrame(WritableByteChannel target, ByteView payload, Deadline deadline)
            throws IOException {
        Objects.requireNonNull(target, "target");
        ByteBuffer[] buffers = ViewBuffers.claim(payload);
        try {
            ViewBuffers.header(buffers).putLong(0, payload.size());
            long frame = Frames.HEADER_SIZE + payload.size();
            move(target, OP_WRITE, buffers, ViewBuffers.HEADER, frame, deadline, null, "frame bytes sent", null);
            return frame;
        } finally {
            ViewBuffers.giveBack(payload, buffers);
        }
    }

    /**
     * Receives one frame into the start of {@code into}, its header into the claimed set's
     * header slot, and returns the payload's size, checked against {@code limit} before a
     * payload byte is read (see {@link FrameReceiver#checkSize}).
     *
     * @throws java.nio.ReadOnlyBufferException if {@code into} is read-only (nothing is read)
     */
    public static int recvFrame(ReadableByteChannel source, ByteView into, int limit, Deadline deadline)
            throws IOException {
        Objects.requireNonNull(source, "source");
        ByteBuffer[] buffers = ViewBuffers.claim(ViewReceiver.writable(into));
        try {
            ByteBuffer header = ViewBuffers.header(buffers);
            move(source, OP_READ, buffers, ViewBuffers.HEADER, Frames.HEADER_SIZE, deadline, null,
                    FrameReceiver.HEADER_RECEIVED, FrameReceiver.HEADER_BYTES);
            int size = FrameReceiver.checkSize(header.getLong(0), limit);
            ViewBuffers.limit(buffers, size);
            move(source, OP_READ, buffers, ViewBuffers.FIRST, size, deadline, null, FrameReceiver.PAYLOAD_RECEIVED,
                    FrameReceiver.PAYLOAD_BYTES);
            return size;
        } finally {
            ViewBuffers.giveBack(into, buffers);
        }
    }

    /**
     * Moves {@code byteCount} bytes between {@code channel} and {@code buffers} from index
     * {@code from} on (sending them for {@code OP_WRITE}, filling them for {@code OP_READ}), as
     * {@link #complete} does a {@link ViewSender} or {@link ViewReceiver} over them, but without
     * making one while it need not ({@link InlineSteps#move}): the counts stay in locals while every
     * step moves bytes, as a blocking channel's steps do, so such a call allocates nothing. A step that moves nothing
     * hands the counts to a transfer that {@link #drive} carries on from a wait; a failure or the
     * end of stream hands them to one whose report the exception carries. A deadline (whose
     * watchdog needs the transfer's tally) or a progress makes the transfer at the start.
     *
     * @param what what a timeout or failure message calls the bytes ("bytes sent")
     * @param endOfStream what an end-of-stream message calls them ("bytes"), for a receive
     */
    private static void move(Channel channel, int interestOps, ByteBuffer[] buffers, int from, long byteCount,
            Deadline deadline, Progress progress, String what, String endOfStream) throws IOException {
        if (byteCount == 0) {
            return;
        }
        boolean send = interestOps == OP_WRITE;
        WritableByteChannel target = send ? (WritableByteChannel) channel : null;
        ReadableByteChannel source = send ? null : (ReadableByteChannel) channel;
        TransferEvent event = Jfr.start(operation(interestOps));
        if (deadline.isBounded() || progress != null) {
            ViewTransfer transfer = send ? new ViewSender(target, buffers, from)
                    : new ViewReceiver(source, buffers, from, byteCount, endOfStream);
            transfer.follow(progress);
            drive(transfer, channel, deadline, what, event, false);
            return;
        }
        Transfer rest = InlineSteps.move(channel, interestOps, buffers, from, byteCount, Long.MAX_VALUE, what,
                endOfStream, event);
        if (rest != null && !rest.isComplete()) {
            drive(rest, channel, deadline, what, event, true);
        }
    }

    private static String operation(int interestOps) {
        return interestOps == OP_WRITE ? "send" : "recv";
    }

    /**
     * Steps {@code transfer} until it is complete, waiting for readiness whenever a step moves
     * nothing, and records {@code event} (if not null) at the end.
     *
     * @param waitFirst whether to wait before the first step: the caller's last step moved nothing
     */
    private static long drive(Transfer transfer, Channel channel, Deadline deadline, String what,
            TransferEvent event, boolean waitFirst) throws IOException {
        long start = transfer.transferred();
        Tally tally = Tally.of(transfer);
        Watchdog watchdog = Watchdog.arm(channel, transfer.interestOps(), deadline, tally);
        // Made at the first wait: a transfer whose every step moves bytes needs none.
        ReadinessWait wait = null;
        boolean stepNow = !waitFirst;
        try {
            while (!transfer.isComplete()) {
                boolean inTime;
                if (stepNow && transfer.step() > 0) {
                    if (wait != null) {
                        wait.progressed();
                    }
                    // A transfer that keeps moving must still end at its deadline.
                    inTime = transfer.isComplete() || deadline.remainingNanos() > 0;
                } else if (transfer.isComplete()) {
                    inTime = true;
                } else {
                    if (tally != null) {
                        tally.waited();
                    }
                    if (wait == null) {
                        wait = new ReadinessWait(channel, transfer.interestOps(), deadline);
                        wait.idle(tally);
                    }
                    inTime = wait.await(transfer.transferred());
                }
                stepNow = true;
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
            if (wait != null) {
                wait.close();
            }
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
     * Reads once into the start of {@code view} (its first piece), waiting for readiness if a
     * non-blocking channel has nothing yet: {@code ZeroCopy.recvSome}. Returns at least 1, or -1
     * at the end of stream, or 0 if the view is empty.
     *
     * @throws java.nio.ReadOnlyBufferException if the view is read-only (nothing is read)
     */
    public static int recvSome(ReadableByteChannel source, ByteView view, Deadline deadline) throws IOException {
        ByteBuffer[] buffers = ViewBuffers.claim(ViewReceiver.writable(view));
        try {
            return readSome(source, buffers[ViewBuffers.FIRST], deadline);
        } finally {
            ViewBuffers.giveBack(view, buffers);
        }
    }

    private static int readSome(ReadableByteChannel source, ByteBuffer buffer, Deadline deadline)
            throws IOException {
        if (!buffer.hasRemaining()) {
            return 0;
        }
        int want = buffer.remaining();
        Watchdog watchdog = Watchdog.arm(source, OP_READ, deadline);
        // Made at the first wait: a read that finds bytes needs none.
        ReadinessWait wait = null;
        try {
            while (true) {
                int read = SomeReceiver.step(source, buffer);
                if (read != 0) {
                    if (watchdog.fired()) {
                        throw timeout(deadline, TransferReport.of(Math.max(0, read), want), "bytes received",
                                watchdog, null);
                    }
                    return read;
                }
                if (wait == null) {
                    wait = new ReadinessWait(source, OP_READ, deadline);
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
            if (wait != null) {
                wait.close();
            }
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
