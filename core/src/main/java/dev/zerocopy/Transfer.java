package dev.zerocopy;

import dev.zerocopy.internal.ViewReceiver;
import dev.zerocopy.internal.ViewSender;
import java.io.IOException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.WritableByteChannel;

/**
 * A transfer of a known number of bytes between views and a channel, performed
 * one resumable step at a time: the engine under every blocking loop of this
 * library, exposed for callers that drive channels from their own event loop
 * (an NIO {@link java.nio.channels.Selector} or Ktor's selector).
 *
 * <p>Each {@link #step()} makes one read or write call on the channel and
 * reports how many bytes it moved. On a non-blocking channel a step never
 * blocks: 0 means the channel would block, and the driver should wait until the
 * channel is ready for {@link #interestOps()} before stepping again. On a
 * blocking channel a step blocks like the call it makes.
 *
 * <p>The view transfers made here allocate nothing per step, and each step moves
 * at most about 1 MiB: on loopback a write of about 1 MiB is ~1.4x faster than
 * one huge write, and a heap buffer larger than that would make the JDK allocate
 * (and cache per thread) a temporary direct buffer of the full size.
 * {@link FileTransfer} steps move up to 4 MiB (zero-copy) or one chunk (copy).
 *
 * <p><b>Reports and progress.</b> A transfer counts its steps in plain fields and
 * makes a {@link TransferReport} only when asked ({@link #report()}) or when it fails:
 * every exception a step or a driver throws carries one. {@link #progress} lets a
 * caller be told the bytes moved at a bounded rate.
 *
 * <p>A transfer is not thread-safe: one driver steps it. Many transfers may
 * read the same {@link ByteView} at once, since each holds its own buffers.
 *
 * <p><b>Partial transfers.</b> If the driver gives up part way (a timeout,
 * cancellation, an error), {@link #transferred()} tells how far it got. The
 * first {@code transferred()} bytes of a receive are in the view and the rest
 * is untouched; for a send, those bytes have reached the channel and the peer
 * has seen a partial message, so the connection's framing is no longer intact.
 */
public interface Transfer {

    /**
     * Sends the given views, in order, to {@code target}. Views are written with
     * gathering writes when the channel supports them, at most 1024 buffers
     * (the usual OS limit on one {@code writev}) and about 1 MiB per call.
     * The views are read, never modified, and may be read-only.
     *
     * @param target the channel to write to
     * @param views the views to send, in order
     * @return a transfer of the views' total size; nothing is written until {@link #step()}
     */
    static Transfer send(WritableByteChannel target, ByteView... views) {
        return new ViewSender(target, views);
    }

    /**
     * Receives exactly {@code view.size()} bytes from {@code source} into the view,
     * filling it from its start. A step that meets the end of stream before the
     * view is full throws {@link EndOfStreamException}.
     *
     * @param source the channel to read from
     * @param view a writable view to fill
     * @return a transfer of {@code view.size()} bytes
     * @throws java.nio.ReadOnlyBufferException if the view is read-only
     */
    static Transfer receive(ReadableByteChannel source, ByteView view) {
        return new ViewReceiver(source, view);
    }

    /**
     * Makes one read or write call and returns the bytes it moved. Returns 0 if
     * the transfer is complete or if a non-blocking channel would block.
     *
     * @return the bytes moved by this step, {@code >= 0}
     * @throws EndOfStreamException if a receive meets the end of stream before it is complete
     * @throws IOException if the channel fails; the transfer's counts stay as they were
     */
    long step() throws IOException;

    /**
     * Tells whether every byte has been moved.
     *
     * @return {@code true} when {@link #transferred()} equals {@link #byteCount()}
     */
    boolean isComplete();

    /**
     * Returns the bytes moved so far.
     *
     * @return bytes moved, from 0 to {@link #byteCount()}
     */
    long transferred();

    /**
     * Returns the bytes this transfer moves in all.
     *
     * @return the total size
     */
    long byteCount();

    /**
     * Returns the readiness to wait for when a step moves nothing:
     * {@link SelectionKey#OP_WRITE} for a send, {@link SelectionKey#OP_READ} for a receive.
     *
     * @return one of the {@link SelectionKey} operation bits
     */
    int interestOps();

    /**
     * Returns what this transfer has done so far: bytes moved (by mode, for a file
     * transfer), steps, steps that moved nothing, waits and time since the first step.
     * A new immutable snapshot on every call; a transfer that is never asked makes none.
     * The waits are those of the library's drivers; a caller that steps the transfer
     * itself and waits for readiness on its own sees 0.
     *
     * @return the report as of now
     */
    TransferReport report();

    /**
     * Follows this transfer with {@code progress} from its next step on: its listener is
     * told the bytes moved at the rate it sets, and a driver of this library that waits
     * for the channel enforces its idle timeout. Replaces any progress set before; null
     * stops following. The listener runs inside {@link #step()}; a caller that steps the
     * transfer itself and wants an idle timeout enforces it from the listener's calls.
     *
     * @param progress how to follow the transfer, or null
     * @return this transfer
     */
    Transfer progress(Progress progress);
}
