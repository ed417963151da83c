/**
 * Zero-copy network I/O: byte views that slice without copying, loops that move
 * them through channels, length-prefixed frames, and file transfers.
 *
 * <h2>The model</h2>
 *
 * <p>Data that travels is kept in one place and looked at through
 * {@link dev.zerocopy.ByteView}s, the JVM's counterpart of Python's
 * {@code memoryview}. A view is a window: slicing it makes a new window over the
 * same bytes in constant time, so cutting a 20 MiB chunk out of a cache costs
 * nanoseconds instead of the milliseconds a copy takes. Views over direct memory
 * or mapped files are what the JDK hands the kernel without a copy of its own;
 * heap views work too, at the cost of one copy the JDK makes inside each call.
 *
 * <h2>Moving views</h2>
 *
 * <p>A socket moves a large view in many partial calls.
 * {@link dev.zerocopy.ZeroCopy#sendFrom} and {@link dev.zerocopy.ZeroCopy#recvInto}
 * loop over them, continuing each call where the last one stopped, as the
 * {@code send_from}/{@code recv_into} recipe does with {@code view[n:]}. Each
 * call carries at most about 1 MiB, which measures faster than one huge call.
 * Underneath, a {@link dev.zerocopy.Transfer} is the same loop cut into
 * resumable steps that never block on a non-blocking channel, for event loops
 * (an NIO selector, or Ktor's in the Kotlin adapter). A receiver that does not
 * know the size reads a length-prefixed frame ({@link dev.zerocopy.Frames}).
 *
 * <h2>Memory</h2>
 *
 * <p>A view never owns its bytes; whoever made the memory decides its life. Memory
 * from {@link dev.zerocopy.ByteView#allocateDirect} lives until the collector finds
 * it unreachable, which a service running with {@code -XX:+DisableExplicitGC} may
 * not wait for. A {@link dev.zerocopy.ViewPool} hands out direct views that are
 * released with {@code close()}, bounded in total bytes, reports views dropped
 * without release, and shows its figures. Views larger than 2 GiB are held in
 * pieces of at most 1 GiB and behave like any other view, except where a single
 * {@link java.nio.ByteBuffer} is asked for across a piece boundary.
 *
 * <h2>Files: the sendfile path and its fallback</h2>
 *
 * <p>{@link dev.zerocopy.ZeroCopy#sendFile} is the JVM form of Python's
 * {@code socket.sendfile()}: it asks the kernel to move file pages to the socket
 * ({@code FileChannel.transferTo}, sendfile(2) on Linux), so the bytes never
 * enter the JVM, and falls back to a copy loop through a pooled 1 MiB direct
 * buffer where that cannot work: a target that is not one of the JDK's own
 * channels, or a {@code transferTo} that fails. A fallback resumes at the exact
 * byte where zero-copy stopped. "Zero-copy" saves CPU on a real network card, but
 * over loopback the kernel copies either way, and which mode moves faster depends
 * on the machine and on how many connections compete, so
 * {@link dev.zerocopy.FileMode#AUTO} does not follow a rule for sockets: the process
 * measures both modes per class of peer (this machine, remote) and takes the faster.
 * {@link dev.zerocopy.FileTransfer} states how, and reports, after each transfer,
 * which mode ran and why.
 * Receiving into a file ({@link dev.zerocopy.ZeroCopy#recvFile}) copies from a
 * socket: JDK 17 has no kernel path in that direction.
 *
 * <h2>Errors</h2>
 *
 * <p>Failures name their numbers: an {@link dev.zerocopy.EndOfStreamException}
 * says how many bytes arrived of how many expected, a
 * {@link dev.zerocopy.TransferTimeoutException} how many moved before the
 * timeout, a {@link dev.zerocopy.FrameTooLargeException} the declared size and
 * the limit. Bytes already received stay in the view; nothing is overwritten.
 *
 * <h2>What a transfer did</h2>
 *
 * <p>Every transfer, on every driver, can say what it did in one
 * {@link dev.zerocopy.TransferReport}: bytes moved (by zero-copy and by copy, for a
 * file), the mode and the {@link dev.zerocopy.FallbackCode}, steps, waits and time. A
 * finished file transfer returns it, {@link dev.zerocopy.Transfer#report()} gives it
 * for a transfer a caller steps, and every exception above carries it. A
 * {@link dev.zerocopy.Progress} tells a caller the bytes moved at a bounded rate and
 * ends a transfer that makes no progress for its idle timeout. Process-wide
 * {@link dev.zerocopy.TransferCounters} and the JFR event {@code dev.zerocopy.Transfer}
 * are fed from the same counts. The library logs nothing on a transfer's path; a leak
 * report and the measured choices of {@code AUTO} (at DEBUG) go to {@link System.Logger}.
 *
 * <p>Nothing in {@code dev.zerocopy.internal} is API.
 */
package dev.zerocopy;
