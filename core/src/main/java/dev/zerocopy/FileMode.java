package dev.zerocopy;

/**
 * How a file transfer moves its bytes.
 *
 * @see FileTransfer
 */
public enum FileMode {

    /**
     * Lets the library choose, per transfer, by the rule documented on
     * {@link FileTransfer}; a transfer that starts with {@link #ZERO_COPY} and
     * finds it cannot continue falls back to {@link #COPY} from the exact byte
     * where it stopped.
     */
    AUTO,

    /**
     * The kernel moves the bytes: {@link java.nio.channels.FileChannel#transferTo}
     * (sendfile(2) on Linux) or {@link java.nio.channels.FileChannel#transferFrom}.
     * Forced, it never falls back: a failure is the caller's to see.
     */
    ZERO_COPY,

    /**
     * A copy loop through a pooled direct buffer: positional file reads sent with
     * the core send loop, or socket reads written positionally to the file.
     */
    COPY
}
