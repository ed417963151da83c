package dev.zerocopy;

import java.io.IOException;

/**
 * Signals that a frame header declared a payload larger than the receiver
 * accepts. It is thrown after the 8-byte header was read and before any payload
 * byte is, and before anything is allocated for it: the payload is still unread
 * in the channel, and {@link #frameSize()} says how long it is, so a caller
 * that can take it after all may receive it with {@link ZeroCopy#recvInto}.
 */
public final class FrameTooLargeException extends IOException {

    private static final long serialVersionUID = 1L;

    /** The payload size the frame header declared. */
    private final long frameSize;
    /** The largest payload the receiver accepted. */
    private final long limit;

    /**
     * Creates the exception.
     *
     * @param frameSize the payload size the header declared
     * @param limit the largest payload the receiver accepts
     */
    public FrameTooLargeException(long frameSize, long limit) {
        super("frame header declares " + frameSize + " payload bytes, more than the limit of " + limit
                + "; the payload is still unread");
        this.frameSize = frameSize;
        this.limit = limit;
    }

    /**
     * Returns the payload size the header declared.
     *
     * @return the declared payload size in bytes
     */
    public long frameSize() {
        return frameSize;
    }

    /**
     * Returns the largest payload the receiver accepted.
     *
     * @return the limit in bytes
     */
    public long limit() {
        return limit;
    }
}
