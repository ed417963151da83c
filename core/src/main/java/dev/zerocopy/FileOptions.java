package dev.zerocopy;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a file transfer: the mode, the copy loop's chunk size, an optional
 * timeout and an optional {@link Progress}. Immutable; each {@code with} method returns a new value.
 */
public final class FileOptions {

    /** The default chunk size of the copy mode: 1 MiB. */
    public static final int DEFAULT_CHUNK_SIZE = 1 << 20;

    private static final FileOptions DEFAULTS = new FileOptions(FileMode.AUTO, DEFAULT_CHUNK_SIZE, null, null);

    private final FileMode mode;
    private final int chunkSize;
    private final Duration timeout;
    private final Progress progress;

    private FileOptions(FileMode mode, int chunkSize, Duration timeout, Progress progress) {
        this.mode = mode;
        this.chunkSize = chunkSize;
        this.timeout = timeout;
        this.progress = progress;
    }

    /**
     * Returns the defaults: {@link FileMode#AUTO}, 1 MiB chunks, no timeout.
     *
     * @return the default options
     */
    public static FileOptions defaults() {
        return DEFAULTS;
    }

    /**
     * Returns these options with another mode.
     *
     * @param mode the mode to use
     * @return new options
     */
    public FileOptions withMode(FileMode mode) {
        return new FileOptions(Objects.requireNonNull(mode, "mode"), chunkSize, timeout, progress);
    }

    /**
     * Returns these options with another copy-loop chunk size: the size of the
     * pooled direct buffer and the most one copy step reads. Smaller chunks hold
     * less memory per stalled connection; on loopback 1 MiB measured fastest.
     *
     * @param chunkSize bytes, from 4 KiB to 16 MiB (the pool keeps at most 32 MiB idle)
     * @return new options
     * @throws IllegalArgumentException if {@code chunkSize} is outside that range
     */
    public FileOptions withChunkSize(int chunkSize) {
        if (chunkSize < 4096 || chunkSize > 16 << 20) {
            throw new IllegalArgumentException("chunk size must be from 4096 to " + (16 << 20)
                    + " bytes, was " + chunkSize);
        }
        return new FileOptions(mode, chunkSize, timeout, progress);
    }

    /**
     * Returns these options with a timeout for the whole blocking transfer; null for none.
     * A blocking socket or pipe is closed if it expires (see {@link ZeroCopy}).
     *
     * @param timeout how long the whole transfer may take, or null
     * @return new options
     * @throws IllegalArgumentException if {@code timeout} is zero or negative
     */
    public FileOptions withTimeout(Duration timeout) {
        if (timeout != null && (timeout.isZero() || timeout.isNegative())) {
            throw new IllegalArgumentException("timeout must be positive, was " + timeout);
        }
        return new FileOptions(mode, chunkSize, timeout, progress);
    }

    /**
     * Returns these options with a progress to follow the transfer by: a listener told
     * the bytes sent or received at a bounded rate, and an optional idle timeout (see
     * {@link Progress}); null for none. Every driver honours it: the blocking calls of
     * {@link ZeroCopy}, a caller stepping the {@link FileTransfer}, and the Kotlin adapter.
     *
     * @param progress how to follow the transfer, or null
     * @return new options
     */
    public FileOptions withProgress(Progress progress) {
        return new FileOptions(mode, chunkSize, timeout, progress);
    }

    /**
     * Returns the progress, or null if there is none.
     *
     * @return the progress or null
     */
    public Progress progress() {
        return progress;
    }

    /**
     * Returns the mode.
     *
     * @return the requested mode
     */
    public FileMode mode() {
        return mode;
    }

    /**
     * Returns the copy-loop chunk size.
     *
     * @return bytes per chunk
     */
    public int chunkSize() {
        return chunkSize;
    }

    /**
     * Returns the timeout, or null if there is none.
     *
     * @return the timeout or null
     */
    public Duration timeout() {
        return timeout;
    }

    @Override
    public String toString() {
        return "FileOptions[mode=" + mode + ", chunkSize=" + chunkSize + ", timeout=" + timeout + ", progress=" + progress + "]";
    }
}
