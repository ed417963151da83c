package dev.zerocopy;

/**
 * Why a file transfer ran (some of) its bytes through the copy loop instead of
 * zero-copy: a stable code, one per kind of reason, that never names a peer, a file or
 * an address, so it can label a metric. {@link FileTransfer#fallbackCode()} returns it
 * beside the free-text {@link FileTransfer#fallbackReason()}, which gives the particulars.
 *
 * <p>New codes may be added in later versions; the names of existing ones do not change.
 */
public enum FallbackCode {

    /**
     * The caller forced {@link FileMode#COPY}; nothing fell back, and
     * {@link FileTransfer#fallbackReason()} is null.
     */
    FORCED_COPY,

    /**
     * {@link FileMode#AUTO} chose the copy loop for this class of peer (a peer on this
     * machine or a remote one) from what it measured, or, before it has measured, as its
     * default for that class; {@link FileTransfer#autoReason()} gives the numbers.
     */
    AUTO_MEASURED_COPY,

    /**
     * The other channel is not one of the JDK's own (a TLS wrapper, a Ktor channel, a
     * custom channel), so {@code transferTo} or {@code transferFrom} would only emulate
     * itself with an 8 KiB heap buffer.
     */
    NOT_A_JDK_CHANNEL,

    /** The target is a JDK channel that {@code transferTo} does not hand to the kernel. */
    UNSUPPORTED_JDK_CHANNEL,

    /**
     * A receive from a socket or pipe: the JDK's {@code transferFrom} from anything but
     * a file is itself a copy loop and cannot tell the end of stream from an empty channel.
     */
    STREAM_RECEIVE,

    /**
     * {@code transferTo} threw part-way and a copy step got past the failure (a file
     * channel whose {@code transferTo} fails where its reads work); the copy loop carried
     * on from the exact byte where zero-copy stopped. A failure the copy loop meets too (a
     * peer that reset or closed the connection, a file that cannot be read) is no fallback:
     * the transfer fails in zero-copy mode with no code, and no fallback is counted.
     */
    TRANSFER_TO_FAILED
}
