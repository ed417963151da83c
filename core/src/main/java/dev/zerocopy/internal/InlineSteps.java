package dev.zerocopy.internal;

import dev.zerocopy.Transfer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.WritableByteChannel;

/**
 * The steps of a view send or receive made with the counts in locals, for as long as every step
 * moves bytes: a call that never has to wait allocates no transfer. {@link Blocking}'s loops and
 * the Kotlin adapter's suspending calls both start this way, and carry on with the transfer
 * returned here only once a step moved nothing.
 */
public final class InlineSteps {

    private InlineSteps() {
    }

    /**
     * Moves {@code byteCount} bytes between {@code channel} and {@code buffers} from index
     * {@code from} on (sending them for {@code OP_WRITE}, filling them for {@code OP_READ}) until
     * done, a step moves nothing, or {@code maxSteps} steps were made. Returns null if all moved
     * and {@code event} is null; else a {@link ViewSender} or {@link ViewReceiver} over the buffers
     * that carries the counts so far: complete (its event recorded), or to be carried on by the
     * caller, who records the event (its last step moved nothing, unless {@code maxSteps} steps
     * all moved bytes). A failure or the end of stream throws with those counts, the event
     * recorded.
     *
     * @param what what a failure message calls the bytes ("bytes sent")
     * @param endOfStream what an end-of-stream message calls them ("bytes"), for a receive
     * @param maxSteps the most steps to make here (a suspending caller yields its thread between turns)
     * @param event the call's event, or null
     */
    public static Transfer move(Channel channel, int interestOps, ByteBuffer[] buffers, int from, long byteCount,
            long maxSteps, String what, String endOfStream, TransferEvent event) throws IOException {
        return move(channel, interestOps, buffers, from, byteCount, maxSteps, what, endOfStream, event, null);
    }

    /**
     * {@link #move(Channel, int, ByteBuffer[], int, long, long, String, String, TransferEvent)}, returning
     * {@code reuse} made anew for this call instead of a new transfer where it can: when it is a
     * transfer this method returned earlier for the same channel and direction, which its caller
     * no longer uses. A caller that keeps one per channel and direction (the adapter does, for
     * the calls that wait) allocates no transfer at all. A failure still throws with its counts.
     *
     * @param reuse a transfer that an earlier call of this method returned, or null
     */
    public static Transfer move(Channel channel, int interestOps, ByteBuffer[] buffers, int from, long byteCount,
            long maxSteps, String what, String endOfStream, TransferEvent event, Transfer reuse) throws IOException {
        boolean send = interestOps == SelectionKey.OP_WRITE;
        WritableByteChannel target = send ? (WritableByteChannel) channel : null;
        ReadableByteChannel source = send ? null : (ReadableByteChannel) channel;
        GatheringByteChannel gathering = send ? ViewSender.gathering(target) : null;
        long startNanos = System.nanoTime();
        long transferred = 0;
        long steps = 0;
        long moved = 0;
        int current = from;
        try {
            while (transferred < byteCount && steps < maxSteps) {
                current = ViewTransfer.next(buffers, current);
                steps++;
                moved = send ? ViewSender.write(target, gathering, buffers, current)
                        : ViewReceiver.readCapped(source, buffers[current]);
                if (moved <= 0) {
                    break;
                }
                transferred += moved;
            }
        } catch (IOException failed) {
            ViewTransfer transfer = handOver(reuse, target, source, buffers, current, byteCount, endOfStream,
                    transferred, steps, 0, startNanos);
            throw finish(transfer, Failures.withCounts(transfer, what, failed), event);
        }
        if (transferred == byteCount && event == null) {
            return null;
        }
        long zeroReturns = moved == 0 ? 1 : 0;
        ViewTransfer transfer = handOver(reuse, target, source, buffers, current, byteCount, endOfStream,
                transferred, steps, zeroReturns, startNanos);
        if (transferred == byteCount) {
            transfer.ended();
            event.finish(transfer.report());
        } else if (moved < 0) {
            throw finish(transfer, ((ViewReceiver) transfer).endOfStream(), event);
        }
        return transfer;
    }

    /**
     * Lets a transfer that {@link #move} returned, kept for a later call, go of the buffers of the
     * call that ended; its counts stay as they were. Does nothing to any other transfer.
     */
    public static void letGo(Transfer kept) {
        if (kept instanceof ViewTransfer transfer) {
            transfer.letGo();
        }
    }

    /**
     * The transfer that carries the counts on: {@code reuse} made anew if it moves the same way
     * through the same channel, else a new one. Exactly one of {@code target} and {@code source}
     * is not null.
     */
    private static ViewTransfer handOver(Transfer reuse, WritableByteChannel target, ReadableByteChannel source,
            ByteBuffer[] buffers, int current, long byteCount, String endOfStream, long transferred, long steps,
            long zeroReturns, long startNanos) {
        if (target != null) {
            if (reuse instanceof ViewSender sender && sender.to(target)) {
                sender.restart(buffers, current, byteCount, transferred, steps, zeroReturns, startNanos);
                return sender;
            }
            return new ViewSender(target, buffers, current, byteCount, transferred, steps, zeroReturns, startNanos);
        }
        if (reuse instanceof ViewReceiver receiver && receiver.from(source)) {
            receiver.restart(buffers, current, byteCount, endOfStream, transferred, steps, zeroReturns, startNanos);
            return receiver;
        }
        return new ViewReceiver(source, buffers, current, byteCount, endOfStream, transferred, steps, zeroReturns,
                startNanos);
    }

    /** Records the event of a failed {@code transfer}, if any, and returns {@code failure}. */
    static IOException finish(ViewTransfer transfer, IOException failure, TransferEvent event) {
        if (event != null) {
            event.finish(transfer.report());
        }
        return failure;
    }
}
