package dev.zerocopy.benchmarks;

import java.io.EOFException;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * One thread that runs the other end of a benchmark's connection: a receiver, a
 * drain or a feeder. {@link #cpuNanos()} sums the CPU time of every peer thread,
 * live or ended, which is how {@link ResourceProfiler} tells the peers' share of the
 * process's CPU time from the measured side's.
 *
 * <p>Every wait on it is bounded by {@link #TIMEOUT_SECONDS}; {@link #close()}
 * interrupts it and fails loudly if it does not stop, so no thread outlives its trial.
 */
final class Peer {

    /** Prefix of every peer thread's name. */
    static final String THREAD_PREFIX = "peer-";

    /** The longest any one transfer may take before the benchmark fails instead of hanging. */
    static final long TIMEOUT_SECONDS = 60;

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Set<Peer> LIVE = ConcurrentHashMap.newKeySet();
    /** CPU time of peer threads that have ended. */
    private static final LongAdder ENDED_CPU = new LongAdder();

    private final String name;
    private final ExecutorService executor;
    private volatile Thread thread;

    Peer(String name) {
        this.name = THREAD_PREFIX + name;
        this.executor = Executors.newSingleThreadExecutor(task -> {
            Thread created = new Thread(task, this.name);
            created.setDaemon(true);
            thread = created;
            return created;
        });
        LIVE.add(this);
    }

    /** Returns the CPU time used so far by all peer threads of this JVM, including ended ones. */
    static long cpuNanos() {
        long total = ENDED_CPU.sum();
        for (Peer peer : LIVE) {
            total += peer.threadCpuNanos();
        }
        return total;
    }

    /** Returns whether {@code threadId} is a live peer thread. */
    static boolean isPeerThread(long threadId) {
        for (Peer peer : LIVE) {
            Thread current = peer.thread;
            if (current != null && current.getId() == threadId) {
                return true;
            }
        }
        return false;
    }

    private long threadCpuNanos() {
        Thread current = thread;
        long cpu = current == null ? -1 : THREADS.getThreadCpuTime(current.getId());
        return Math.max(0, cpu);
    }

    <T> Future<T> submit(Callable<T> task) {
        return executor.submit(task);
    }

    /** Waits for a task of this peer, failing with a message that says what did not finish. */
    <T> T await(Future<T> task, String what) throws IOException, InterruptedException {
        try {
            return task.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            task.cancel(true);
            throw new IOException(name + ": " + what + " did not finish within " + TIMEOUT_SECONDS + " s", e);
        } catch (ExecutionException e) {
            throw new IOException(name + ": " + what + " failed", e.getCause());
        }
    }

    /**
     * Reads and discards exactly {@code count} bytes through {@code buffer}, which is reused.
     *
     * @return {@code count}
     */
    static long drain(ReadableByteChannel source, ByteBuffer buffer, long count) throws IOException {
        long left = count;
        while (left > 0) {
            buffer.clear();
            if (left < buffer.capacity()) {
                buffer.limit((int) left);
            }
            int read = source.read(buffer);
            if (read < 0) {
                throw new EOFException("stream ended after " + (count - left) + " of " + count + " bytes");
            }
            left -= read;
        }
        return count;
    }

    /**
     * Reads and discards everything until the channel is closed under it; allocates nothing per read.
     *
     * @return the bytes read
     */
    static long drainUntilClosed(ReadableByteChannel source, ByteBuffer buffer) throws IOException {
        long total = 0;
        try {
            while (true) {
                buffer.clear();
                int read = source.read(buffer);
                if (read < 0) {
                    return total;
                }
                total += read;
            }
        } catch (ClosedChannelException closed) {
            // Includes AsynchronousCloseException: the trial's TearDown closed it.
            return total;
        }
    }

    /**
     * Writes {@code buffer}'s content again and again until the channel is closed under it;
     * allocates nothing per write.
     *
     * @return the bytes written
     */
    static long feedUntilClosed(WritableByteChannel target, ByteBuffer buffer) throws IOException {
        long total = 0;
        try {
            while (true) {
                buffer.clear();
                while (buffer.hasRemaining()) {
                    total += target.write(buffer);
                }
            }
        } catch (IOException closed) {
            // Closed under it, or the reader closed first (a reset, a broken pipe): the feed is over.
            return total;
        }
    }

    /** Interrupts the thread and waits for it to end; call after closing the channels it uses. */
    void close() throws InterruptedException {
        // Counted while the thread still exists; what it spends from here on is a few microseconds.
        if (LIVE.remove(this)) {
            ENDED_CPU.add(threadCpuNanos());
        }
        executor.shutdownNow();
        if (!executor.awaitTermination(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " did not stop within " + TIMEOUT_SECONDS + " s");
        }
    }
}
