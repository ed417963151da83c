package dev.zerocopy;

import dev.zerocopy.internal.BufferPool;
import dev.zerocopy.internal.Calibration;
import dev.zerocopy.internal.Counters;
import dev.zerocopy.internal.FileModes;
import dev.zerocopy.internal.Jfr;
import dev.zerocopy.internal.Tally;
import dev.zerocopy.internal.TransferEvent;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;

/**
 * A transfer of a file range to or from a channel, stepped like any
 * {@link Transfer}: the value behind {@link ZeroCopy#sendFile} and
 * {@link ZeroCopy#recvFile}, and what they return when done. It records the
 * range ({@link #offset()}, {@link #byteCount()}), how far it got
 * ({@link #transferred()}), the mode that ran ({@link #mode()}) and, when it
 * fell back from zero-copy, why ({@link #fallbackReason()}).
 *
 * <p><b>Modes.</b> {@link FileMode#ZERO_COPY} hands the work to the kernel
 * ({@code transferTo}: sendfile(2) on Linux). {@link FileMode#COPY} reads the file
 * positionally into a pooled direct buffer and writes it with the core send loop
 * (or the reverse for a receive). {@link FileMode#AUTO} chooses:
 * <ul>
 *   <li>sending to a socket or a pipe: the mode this process has measured faster
 *       for that class of peer (on this machine, or remote). Which one wins depends
 *       on the machine and its load, not on a rule: on an idle loopback one
 *       connection moves faster through the copy loop, while many busy connections
 *       move faster by zero-copy, which spends less CPU per byte. The process measures
 *       the bytes per second all its automatic sends of 1 MiB or more to that class
 *       move together, in periods during which every new send takes one mode: the
 *       mode taken so far, a period of the other, the taken one again (so a load that
 *       drifts meanwhile weighs on both), then a longer period for the faster, longer
 *       each time a comparison confirms it, and so on, so the choice follows the load.
 *       The copy loop's first second of sending in a process is not counted while it
 *       is the mode taken, since the JIT is still compiling it then.
 *       A send keeps the mode it started with. {@link #autoReason()} gives the
 *       numbers behind each choice;
 *   <li>sending to a {@link FileChannel}: zero-copy;
 *   <li>sending to a channel that is not one of the JDK's own (a TLS wrapper, a
 *       custom channel): the copy loop, since {@code transferTo} would only emulate
 *       itself with an 8 KiB heap buffer;
 *   <li>receiving from anything but a {@link FileChannel}: the copy loop. JDK 17's
 *       {@code transferFrom} from a socket is itself an 8 KiB copy loop, and its
 *       0 cannot tell the end of stream from an empty socket.
 * </ul>
 * A transfer that starts zero-copy under {@code AUTO} falls back to the copy loop
 * when {@code transferTo} throws and a copy step then gets past the failure (a file
 * channel whose {@code transferTo} fails where its reads work), and continues from
 * exactly the byte where zero-copy stopped. If that copy step fails too (the peer reset
 * or closed the connection, the file cannot be read), nothing fell back: the transfer
 * fails with {@code transferTo}'s exception, still in zero-copy mode, with no fallback
 * code. {@link #fallbackReason()} says why whenever {@code AUTO} did not end in zero-copy.
 *
 * <p><b>Blocking sockets and virtual threads.</b> On a virtual thread a blocking
 * socket is non-blocking underneath, so {@code transferTo} returns 0 whenever the
 * socket is full, and a blocking channel cannot wait on a selector. A zero-copy send
 * to a blocking channel that moves nothing therefore writes one small piece (4 KiB)
 * through the channel's own blocking {@code write}, which parks the thread until the
 * socket is writable, and then resumes zero-copy: it neither spins nor gives up
 * zero-copy for the rest of the range. {@link #zeroCopied()} and {@link #copied()}
 * say how many bytes went each way. On JDK 17, a zero-copy send to a full blocking pipe
 * on a platform thread waits inside the kernel, where a deadline's close of the pipe does
 * not reach it: see {@link ZeroCopy} on timeouts.
 *
 * <p><b>Steps.</b> A zero-copy step moves at most 4 MiB (well under the kernel's
 * 0x7ffff000-byte limit per call) and a copy step at most one chunk, so one
 * connection cannot hold an event-loop thread for long. When a zero-copy send
 * step moves nothing, the file's size tells the cases apart: a file that shrank
 * below the range fails with an {@link IOException} naming its size now and the
 * bytes sent; otherwise a non-blocking channel is full, and the step returns 0.
 *
 * <p><b>Buffers.</b> A copy-mode step takes a direct buffer from a shared bounded
 * pool. A send keeps it between steps only while it holds file bytes not yet
 * written; a receive never keeps it. Completion, failure and {@link #close()}
 * all return it, so a caller that abandons a transfer (a cancelled coroutine,
 * a timeout) must close it. Closing is idempotent and leaves the channels open.
 *
 * <p><b>Partial transfers.</b> On failure, {@link #transferred()} bytes have
 * reached the target: for a send, the peer saw a partial range; for a receive,
 * those bytes are in the file at {@code offset} onwards. The file being sent or
 * received into is accessed positionally: its channel's position is never used or
 * changed. The other channel is an ordinary stream: a {@code FileChannel} used as
 * the target of a send (or the source of a receive) advances as usual.
 *
 * <p>Not thread-safe: one driver steps a transfer.
 */
public final class FileTransfer implements Transfer, AutoCloseable {

    /** The most one zero-copy call moves. */
    static final long ZERO_COPY_STEP = 4 << 20;

    /**
     * The bytes a zero-copy send copies to wait for a full blocking socket: one page. In a probe on
     * JDK 25 (64 MiB over loopback from a virtual thread) this copied 0.15 % of the bytes with a fast
     * reader and 0.2 % with a slow one; the socket wakes its writer only once a good part of its
     * buffer is free, so transferTo moves the rest.
     */
    static final int WRITABILITY_PIECE = 4096;

    /**
     * The steps after which a transfer adds its bytes to the process counters, which otherwise
     * hear of them at its end: at most 16 zero-copy steps (64 MiB) or copy-loop chunks behind.
     */
    static final int PUBLISH_STEPS = 16;

    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

    static {
        Tally.fileTallies(transfer -> transfer.tally);
    }

    private final FileChannel file;
    private final long offset;
    private final long byteCount;
    private final WritableByteChannel target;
    private final ReadableByteChannel source;
    private final boolean automatic;
    private final int chunkSize;
    private final BufferPool pool;
    private final Calibration calibration;

    private FileMode mode;
    private String fallbackReason;
    private FallbackCode fallbackCode;
    private String autoReason;
    /** The measured choice of an automatic send to a socket or pipe, or null. */
    private Calibration.Decision decision;
    /** Whether a measured send is counted in flight by the calibration. */
    private boolean counted;
    /** When the first step ran ({@link System#nanoTime()}), or 0 before it. */
    private long startNanos;
    private long transferred;
    private long zeroCopied;
    private long writabilityWaits;
    /** The bytes of each mode already added to the process counters, and the steps since (see {@link #publish}). */
    private long publishedZeroCopied;
    private long publishedCopied;
    private int unpublishedSteps;
    private boolean writeTried;
    /** Copy mode: the pooled buffer, while it holds file bytes not yet sent. */
    private ByteBuffer buffer;
    /** Zero-copy receive: one byte, to tell the end of stream from an empty socket. */
    private ByteBuffer probe;
    private boolean closed;
    /** Set once the transfer's end was counted (complete, failed or closed). */
    private boolean ended;
    /** The JFR event of this transfer while a recording has it enabled, else null. */
    private TransferEvent event;
    /** Steps, waits, times and progress: what {@link #report()} is made of besides the fields here. */
    private final Tally tally = new Tally();

    private FileTransfer(FileChannel file, long offset, long byteCount, WritableByteChannel target,
            ReadableByteChannel source, FileOptions options, Calibration calibration) {
        this.file = file;
        this.offset = offset;
        this.byteCount = byteCount;
        this.target = target;
        this.source = source;
        this.chunkSize = options.chunkSize();
        this.pool = BufferPool.shared();
        this.calibration = calibration;
        this.automatic = options.mode() == FileMode.AUTO;
        tally.follow(options.progress());
        if (automatic) {
            String reason = target != null ? FileModes.whyNotZeroCopySend(target) : FileModes.whyNotZeroCopyReceive(source);
            Calibration.PeerClass peers = target != null && reason == null ? FileModes.peerClass(target) : null;
            if (peers != null) {
                decision = calibration.choose(peers, byteCount);
                this.mode = decision.mode();
                this.autoReason = decision.reason();
                this.fallbackReason = mode == FileMode.COPY ? autoReason : null;
            } else {
                this.mode = reason == null ? FileMode.ZERO_COPY : FileMode.COPY;
                this.autoReason = reason == null ? "AUTO always sends to a file by zero-copy" : reason;
                this.fallbackReason = reason;
            }
        } else {
            this.mode = options.mode();
        }
        if (mode == FileMode.COPY) {
            this.fallbackCode = !automatic ? FallbackCode.FORCED_COPY
                    : decision != null ? FallbackCode.AUTO_MEASURED_COPY
                    : target != null ? FileModes.sendRefusal(target) : FileModes.receiveRefusal(source);
        }
    }

    /**
     * Prepares a send of {@code count} bytes of {@code file} from {@code offset} to
     * {@code target}. Nothing moves until {@link #step()}.
     *
     * @param file a file open for reading; its position is not used or changed
     * @param offset the file position of the first byte to send
     * @param count the number of bytes to send, or -1 for everything from {@code offset}
     *     to the end of the file as it is now
     * @param target the channel to write to
     * @param options mode, chunk size and progress (the timeout is for the drivers and is ignored here)
     * @return the transfer
     * @throws IllegalArgumentException if {@code offset} is negative or past the end of the
     *     file, {@code count} is below -1, or the range extends past the end of the file (the
     *     message names its size)
     * @throws IOException if the file's size cannot be read
     */
    public static FileTransfer send(FileChannel file, long offset, long count, WritableByteChannel target,
            FileOptions options) throws IOException {
        return send(file, offset, count, target, options, Calibration.shared());
    }

    /** As {@link #send(FileChannel, long, long, WritableByteChannel, FileOptions)}, choosing by {@code calibration}. */
    static FileTransfer send(FileChannel file, long offset, long count, WritableByteChannel target,
            FileOptions options, Calibration calibration) throws IOException {
        Objects.requireNonNull(target, "target");
        long size = file.size();
        if (count == -1 && offset >= 0) {
            count = Math.max(0, size - offset);
        }
        checkRange(offset, count);
        if (offset > size || count > size - offset) {
            throw new IllegalArgumentException("range [" + offset + ", " + (offset + count)
                    + ") extends past the end of a file of " + size + " bytes");
        }
        return new FileTransfer(file, offset, count, target, null, options, calibration);
    }

    /**
     * Prepares a receive of exactly {@code count} bytes from {@code source} into
     * {@code file} from {@code offset} on; the file grows as needed. Nothing moves
     * until {@link #step()}.
     *
     * @param source the channel to read from
     * @param file a file open for writing; its position is not used or changed
     * @param offset the file position of the first byte received
     * @param count the number of bytes to receive
     * @param options mode, chunk size and progress (the timeout is for the drivers and is ignored here)
     * @return the transfer
     * @throws IllegalArgumentException if {@code offset} or {@code count} is negative
     */
    public static FileTransfer receive(ReadableByteChannel source, FileChannel file, long offset, long count,
            FileOptions options) {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(file, "file");
        checkRange(offset, count);
        return new FileTransfer(file, offset, count, null, source, options, Calibration.shared());
    }

    /**
     * Moves the next part of the range: at most 4 MiB in zero-copy mode, at most
     * one chunk in copy mode.
     *
     * @return the bytes moved, 0 if the channel would block or the transfer is complete
     * @throws EndOfStreamException if a receive's source ends early; the bytes received are in the file
     * @throws IOException if the file shrank below the range, or a channel fails
     * @throws IllegalStateException if the transfer was closed
     */
    @Override
    public long step() throws IOException {
        if (closed) {
            throw new IllegalStateException("closed after " + transferred + " of " + byteCount + " bytes");
        }
        if (isComplete()) {
            return 0;
        }
        if (startNanos == 0) {
            startNanos = System.nanoTime();
            Counters.started(fallbackCode);
            event = Jfr.start(target != null ? "sendFile" : "recvFile");
            if (decision != null && decision.measured()) {
                counted = true;
                calibration.started(decision.peers());
            }
        }
        boolean failed = true;
        tally.stepping();
        try {
            long moved = target != null ? sendStep() : receiveStep();
            failed = false;
            if (counted && moved > 0) {
                // Counted as they move, so a period's rate holds every byte sent in it (see Calibration).
                calibration.moved(decision.peers(), mode, moved);
            }
            tally.stepped(moved, transferred, byteCount);
            return moved;
        } finally {
            if (++unpublishedSteps == PUBLISH_STEPS) {
                publish();
            }
            if (failed || isComplete()) {
                releaseBuffer();
                endCount();
                end();
            }
        }
    }

    /** Counts the end of a started transfer once, and records its event. */
    private void end() {
        if (ended || startNanos == 0) {
            return;
        }
        ended = true;
        tally.ended();
        publish();
        Counters.ended(isComplete());
        if (event != null) {
            event.finish(report());
            event = null;
        }
    }

    private long sendStep() throws IOException {
        if (mode == FileMode.COPY || buffer != null) {
            // In zero-copy mode a buffer is held only by a piece written to wait for writability.
            return copySendStep(chunkSize);
        }
        if (!writeTried && target instanceof SelectableChannel selectable && selectable.isBlocking()) {
            // On a virtual thread the JDK makes a socket's descriptor non-blocking at its first read or
            // write, not at transferTo: before that, sendfile would block the carrier thread in the kernel,
            // where neither a park nor a close at a deadline reaches it. An empty write makes the switch
            // (and is a no-op on a platform thread), so a full socket makes transferTo return 0 instead.
            writeTried = true;
            target.write(EMPTY);
        }
        long position = offset + transferred;
        long sent;
        try {
            sent = file.transferTo(position, Math.min(byteCount - transferred, ZERO_COPY_STEP), target);
        } catch (IOException | UnsupportedOperationException e) {
            if (!automatic || e instanceof ClosedChannelException) {
                throw e;
            }
            // The JDK's transferTo already falls back inside itself where sendfile is unsupported, so what
            // escapes it is mostly a failure the copy loop meets too: a peer that reset or closed the
            // connection, a file that cannot be read. Only a copy step that gets past it is a fallback;
            // otherwise the transfer fails as zero-copy, and the process counts no fallback for it.
            long copiedNow;
            try {
                copiedNow = copySendStep(chunkSize);
            } catch (IOException copyFailed) {
                if (e instanceof IOException transferToFailed) {
                    transferToFailed.addSuppressed(copyFailed);
                    throw transferToFailed;
                }
                copyFailed.addSuppressed(e);
                throw copyFailed;
            }
            fallBack(FallbackCode.TRANSFER_TO_FAILED, "transferTo failed after " + zeroCopied + " bytes: " + e);
            return copiedNow;
        }
        if (sent > 0) {
            transferred += sent;
            zeroCopied += sent;
            return sent;
        }
        long size = file.size();
        if (size < offset + byteCount) {
            throw shrank(size);
        }
        if (!(target instanceof SelectableChannel selectable) || !selectable.isBlocking()) {
            return 0;
        }
        // A blocking socket used from a virtual thread is non-blocking underneath (the JDK switches its
        // descriptor when a virtual thread first blocks on it), so transferTo returns 0 whenever the socket
        // is full, and a blocking channel cannot wait on a selector. A blocking write of one small piece
        // parks the thread until the socket is writable, on the JDK's own poller; zero-copy then resumes.
        writabilityWaits++;
        tally.waited();
        Counters.waited();
        return copySendStep(WRITABILITY_PIECE);
    }

    /** Sends at most {@code limit} bytes of the range through a pooled buffer, or what is left of one. */
    private long copySendStep(int limit) throws IOException {
        if (buffer == null) {
            buffer = pool.acquire(chunkSize);
            int want = (int) Math.min(limit, byteCount - transferred);
            buffer.limit(want);
            long position = offset + transferred;
            while (buffer.hasRemaining()) {
                int read = file.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw shrank(file.size());
                }
                if (read == 0) {
                    throw new IOException(file.getClass().getName() + " read no bytes at position "
                            + (position + buffer.position()) + " of the range");
                }
            }
            buffer.flip();
        }
        int sent = target.write(buffer);
        transferred += sent;
        if (!buffer.hasRemaining()) {
            releaseBuffer();
        }
        return sent;
    }

    private long receiveStep() throws IOException {
        long position = offset + transferred;
        if (mode == FileMode.COPY) {
            buffer = pool.acquire(chunkSize);
            buffer.limit((int) Math.min(chunkSize, byteCount - transferred));
            int received = source.read(buffer);
            if (received < 0) {
                throw endOfStream();
            }
            buffer.flip();
            writeFully(buffer, position);
            releaseBuffer();
            transferred += received;
            return received;
        }
        long received = file.transferFrom(source, position, Math.min(byteCount - transferred, ZERO_COPY_STEP));
        if (received == 0) {
            // transferFrom returns 0 at the end of stream, on an empty non-blocking socket and for a
            // position past the end of the file; one byte read by hand tells them apart.
            received = probe(position);
        } else {
            zeroCopied += received;
        }
        transferred += received;
        return received;
    }

    private long probe(long position) throws IOException {
        if (probe == null) {
            probe = ByteBuffer.allocate(1);
        }
        probe.clear();
        int read = source.read(probe);
        if (read < 0) {
            throw endOfStream();
        }
        if (read == 0) {
            return 0;
        }
        probe.flip();
        writeFully(probe, position);
        return 1;
    }

    private void writeFully(ByteBuffer bytes, long position) throws IOException {
        int start = bytes.position();
        while (bytes.hasRemaining()) {
            if (file.write(bytes, position + bytes.position() - start) == 0) {
                throw new IOException(file.getClass().getName() + " wrote no bytes at position "
                        + (position + bytes.position() - start));
            }
        }
    }

    private void fallBack(FallbackCode code, String reason) {
        mode = FileMode.COPY;
        fallbackCode = code;
        fallbackReason = reason;
        Counters.fellBack(code);
    }

    private TransferException shrank(long size) {
        tally.ended();
        return new TransferException("file shrank to " + size + " bytes, below the end of the range [" + offset
                + ", " + (offset + byteCount) + "): " + transferred + " of " + byteCount + " bytes sent", report());
    }

    private EndOfStreamException endOfStream() {
        tally.ended();
        return new EndOfStreamException(report(), "bytes (they are in the file from position " + offset + ")");
    }

    private void releaseBuffer() {
        if (buffer != null) {
            ByteBuffer released = buffer;
            buffer = null;
            pool.release(released);
        }
    }

    /**
     * Returns a pooled buffer this transfer may hold and makes further steps fail.
     * Idempotent; the file and the channel stay open.
     */
    @Override
    public void close() {
        closed = true;
        releaseBuffer();
        endCount();
        end();
    }

    /**
     * Adds the bytes moved since the last call to the process counters: every {@link #PUBLISH_STEPS}
     * steps and at the end, so that a transfer pays for the striped adders once per that many steps
     * rather than on each, and the counters are exact once it ends, complete or not.
     */
    private void publish() {
        unpublishedSteps = 0;
        long copied = transferred - zeroCopied;
        Counters.moved(zeroCopied - publishedZeroCopied, copied - publishedCopied);
        publishedZeroCopied = zeroCopied;
        publishedCopied = copied;
    }

    private void endCount() {
        if (counted) {
            counted = false;
            calibration.ended(decision.peers());
        }
    }

    @Override
    public boolean isComplete() {
        return transferred == byteCount;
    }

    @Override
    public long transferred() {
        return transferred;
    }

    @Override
    public long byteCount() {
        return byteCount;
    }

    /**
     * Returns the file position of the first byte of the range.
     *
     * @return the offset
     */
    public long offset() {
        return offset;
    }

    /**
     * Returns the mode running now, or that ran last: {@link FileMode#ZERO_COPY}
     * or {@link FileMode#COPY}, never {@link FileMode#AUTO}.
     *
     * @return the mode in use
     */
    public FileMode mode() {
        return mode;
    }

    /**
     * Returns the bytes the kernel moved by zero-copy; the rest went through the copy loop.
     *
     * @return bytes moved by {@code transferTo} or {@code transferFrom}
     */
    public long zeroCopied() {
        return zeroCopied;
    }

    /**
     * Returns the bytes copied through user space: by the copy loop, or, in zero-copy mode,
     * as the small pieces written to wait for a full blocking socket (see the class doc).
     *
     * @return {@code transferred() - zeroCopied()}
     */
    public long copied() {
        return transferred - zeroCopied;
    }

    /**
     * Returns why {@link FileMode#AUTO} chose the mode this transfer started with: the
     * measurements that decided it (see the class doc), or what ruled zero-copy out;
     * null if the mode was forced.
     *
     * @return the reason, or null
     */
    public String autoReason() {
        return autoReason;
    }

    /**
     * Returns why {@link FileMode#AUTO} chose or fell back to the copy loop, or null
     * if it did not (or the mode was forced). Free text for people: it may name the
     * channel, the peer and the measurements; {@link #fallbackCode()} is its stable code.
     *
     * @return the reason, or null
     */
    public String fallbackReason() {
        return fallbackReason;
    }

    /**
     * Returns the kind of reason this transfer ran the copy loop, as a stable code that
     * names no peer, channel or file (fit for a metric label): the code of
     * {@link #fallbackReason()}, or {@link FallbackCode#FORCED_COPY} if the caller forced
     * {@link FileMode#COPY}. Null if the transfer ran zero-copy throughout (small pieces
     * written to wait for a full blocking socket do not count: see {@link #copied()}).
     *
     * @return the code, or null
     */
    public FallbackCode fallbackCode() {
        return fallbackCode;
    }

    /**
     * Returns what this transfer did: bytes moved by each mode, the mode, the fallback code
     * and reason, steps, waits and duration. After {@link ZeroCopy#sendFile} or the
     * adapter's {@code sendFile} returns, this is the report of the whole transfer.
     *
     * @return a new report as of now
     */
    @Override
    public TransferReport report() {
        return tally.report(transferred, byteCount, zeroCopied, transferred - zeroCopied, mode, fallbackCode,
                fallbackReason);
    }

    /**
     * Follows this transfer with {@code progress} instead of the one in its
     * {@link FileOptions}; see {@link Transfer#progress}.
     *
     * @param progress how to follow the transfer, or null
     * @return this transfer
     */
    @Override
    public FileTransfer progress(Progress progress) {
        tally.follow(progress);
        return this;
    }

    @Override
    public int interestOps() {
        return target != null ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
    }

    @Override
    public String toString() {
        return (target != null ? "send" : "receive") + " of file range [" + offset + ", " + (offset + byteCount)
                + "): " + transferred + " of " + byteCount + " bytes (" + zeroCopied + " zero-copy, " + copied()
                + " copied, " + writabilityWaits + " writability waits), " + mode
                + (fallbackReason == null ? "" : " (" + fallbackReason + ")");
    }

    private static void checkRange(long offset, long count) {
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException("offset and count must be >= 0, were " + offset + " and " + count);
        }
        if (count > Long.MAX_VALUE - offset) {
            throw new IllegalArgumentException("offset " + offset + " + count " + count + " overflows a file position");
        }
    }
}
