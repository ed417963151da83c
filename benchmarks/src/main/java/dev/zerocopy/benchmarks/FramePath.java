package dev.zerocopy.benchmarks;

/** The client paths of {@link FramesBenchmark}, each opened by {@link FrameClient#open}. */
public enum FramePath {
    /** {@code Frames.sendFrame}/{@code recvFrame} on a blocking channel. */
    CORE,
    /** The same calls on a non-blocking channel (the core waits for readiness itself). */
    CORE_NON_BLOCKING,
    /** The adapter's {@code Socket.sendFrame}/{@code recvFrame}. */
    ADAPTER,
    /** Ktor's channels: {@code writeLong}+{@code writeFully}+{@code flush}, {@code readLong}+{@code readFully}. */
    KTOR_CHANNELS,
    /** A hand-written blocking NIO loop: one gathering write, reads into reused buffers. */
    HAND_NIO,
    /** Netty over the JDK selector, pooled direct buffers, header and payload as two buffers. */
    NETTY_NIO,
    /** Netty's epoll transport, the same code. */
    NETTY_EPOLL,
    /** Netty's io_uring transport, the same code. */
    NETTY_IO_URING
}
