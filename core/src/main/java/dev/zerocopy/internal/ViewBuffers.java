package dev.zerocopy.internal;

import dev.zerocopy.ByteView;
import java.nio.ByteBuffer;

/**
 * The buffers the blocking loops move a view's bytes through, kept by the view from one call to
 * the next so that sending or receiving the same view again makes no new ones.
 *
 * <p>A view keeps one spare set. A call claims it with {@link #claim} (an atomic swap, so no two
 * calls ever hold the same set; a call that finds it taken, say a second thread sending the same
 * view at once, gets a new set) and gives it back with {@link #giveBack} when it ends, whether it
 * completed or failed. The set lives as long as the view and nothing else: it is neither per
 * thread (a thread-local set would be made, and kept, by every virtual thread) nor shared across
 * views. Slot 0 is for a frame header, made by the first frame call that needs one; the other
 * slots are the view's buffers end to end, each reset to its piece of the window when claimed.
 */
public final class ViewBuffers {

    /** How to reach a view's spare set, which is private to its package. */
    public interface Lender {
        /** Claims the spare set of {@code view}, or makes a new one. */
        ByteBuffer[] claim(ByteView view);

        /** Gives the set back to {@code view}, for its next call. */
        void giveBack(ByteView view, ByteBuffer[] buffers);
    }

    /** The first of the view's own buffers in a claimed set. */
    public static final int FIRST = 1;
    /** The slot of the frame header buffer in a claimed set. */
    public static final int HEADER = 0;

    private static volatile Lender lender;

    private ViewBuffers() {
    }

    /** Lets {@link ByteView} lend its spare sets. */
    public static void lender(Lender views) {
        lender = views;
    }

    /**
     * Claims the buffers of {@code view}: slot {@link #HEADER}, then from {@link #FIRST} on one
     * buffer per buffer underneath, each with position 0 and limit at its end. The caller must give
     * them back with {@link #giveBack} once its call is over, and never hand them out.
     *
     * @throws IllegalStateException if the view is pooled and was released
     */
    public static ByteBuffer[] claim(ByteView view) {
        // A view exists, so ByteView's class initialisation has registered the lender.
        return lender.claim(view);
    }

    /** Gives claimed buffers back to {@code view}; they must not be used after this. */
    public static void giveBack(ByteView view, ByteBuffer[] buffers) {
        lender.giveBack(view, buffers);
    }

    /**
     * The frame header buffer of a claimed set, made on first use: 8 heap bytes, big-endian,
     * position 0 and limit 8.
     */
    public static ByteBuffer header(ByteBuffer[] buffers) {
        ByteBuffer header = buffers[HEADER];
        if (header == null) {
            header = ByteBuffer.allocate(Long.BYTES);
            buffers[HEADER] = header;
        }
        return header;
    }

    /**
     * Lowers the limits of the buffers from {@link #FIRST} on so that together they hold exactly
     * {@code count} bytes from their start (a frame payload shorter than the view).
     */
    public static void limit(ByteBuffer[] buffers, long count) {
        long left = count;
        for (int i = FIRST; i < buffers.length; i++) {
            ByteBuffer buffer = buffers[i];
            int keep = (int) Math.min(left, buffer.remaining());
            buffer.limit(buffer.position() + keep);
            left -= keep;
        }
    }
}
