package dev.zerocopy;

import dev.zerocopy.internal.DirectMemory;
import dev.zerocopy.internal.Lease;
import dev.zerocopy.internal.PoolSlot;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * A pool of direct memory handed out as writable {@link ByteView}s that the
 * caller releases with {@link ByteView#close()}, bounded in the total bytes it
 * holds. It is the answer to "a receive buffer per request" under
 * {@code -XX:+DisableExplicitGC}: memory goes back to the pool when the request
 * is done, not when the collector gets to it.
 *
 * <pre>{@code
 * ViewPool pool = new ViewPool(64 << 20);
 * try (ByteView payload = Frames.recvFrame(channel, 1 << 20, pool, null)) {
 *     process(payload);
 * }                                    // Kotlin: recvFrame(...).use { process(it) }
 * }</pre>
 *
 * <p><b>Ownership.</b> {@link #acquire} hands out a view of exactly the size
 * asked for, zero-filled the first time its memory is used and holding whatever
 * the previous owner left in it afterwards. Whoever acquires a view owns it
 * until one {@code close()} on it, or on any view made from it (a slice, its
 * read-only view): all of them share one lease, and closing any one releases
 * the memory for all. <b>Slices and buffers of a pooled view are valid only
 * while it is held</b>: after release its memory belongs to the next owner.
 *
 * <p><b>Release checks.</b> Releasing twice throws {@link IllegalStateException}
 * and changes nothing. A released view, and every view made from it, refuses
 * every method that reaches its bytes ({@code buffer()}, {@code slice},
 * {@code get}, typed views, sends and receives started after the release) with
 * an {@link IllegalStateException}. The check is one volatile read, made when a
 * method hands out or reads memory, not on every byte: a {@link ByteBuffer}
 * obtained from {@code buffer()} before the release, or a transfer already
 * running on another thread, still reaches the memory afterwards. Do not keep
 * such buffers past {@code close()}.
 *
 * <p><b>Sizes and the bound.</b> A request is rounded up to a size class (at
 * most a quarter more, at least 4 KiB) and served from an idle buffer of that
 * class if there is one; otherwise new memory is allocated (a <em>miss</em>),
 * first freeing idle buffers of other classes if the bound requires it. When
 * the bytes held would exceed {@code maxBytes}, {@link #acquire} waits for a
 * release, {@link #tryAcquire} returns null and {@link #acquireAsync} completes
 * later; waiting requests are served in arrival order. A request larger than the
 * bound is refused at once.
 *
 * <p><b>Leaks.</b> A pooled view that becomes unreachable without being closed is
 * found by a {@link java.lang.ref.Cleaner} after a garbage collection: its memory
 * goes back to the pool, {@link PoolFigures#leaks()} counts it, and a
 * {@link ViewLeak} goes to the listener set with {@link #onLeak}, or, without
 * one, to the {@link System.Logger} named {@code dev.zerocopy.ViewPool} at
 * {@code WARNING}. Every acquisition is watched; recording <em>where</em> it was
 * acquired costs a stack trace, so it is sampled: see {@link #sampleLeakStacks}.
 * A leak is found only when the collector runs, so it is a diagnosis, not a way
 * to manage memory.
 *
 * <p><b>Threads.</b> All methods may be called from any thread or coroutine at
 * once; the pool's state is guarded by one short lock that is never held while
 * memory is allocated, freed or handed to a waiter.
 */
public final class ViewPool {

    private static final int MIN_CLASS = 4096;
    private static final System.Logger LOGGER = System.getLogger(ViewPool.class.getName());

    private final long maxBytes;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<Integer, ArrayDeque<PoolSlot>> idle = new HashMap<>();
    private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
    private final Lease.Owner owner = new Owner();
    private long bytesHeld;
    private long bytesIdle;
    private long viewsOut;
    private long misses;
    private long waits;
    private long leaks;
    private volatile int leakStackSampling;
    private volatile Consumer<ViewLeak> leakListener;

    /**
     * Creates an empty pool that will hold at most {@code maxBytes} of direct memory.
     *
     * @param maxBytes the bound on the bytes held, idle and handed out together
     * @throws IllegalArgumentException if {@code maxBytes} is not positive
     */
    public ViewPool(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes must be > 0, was " + maxBytes);
        }
        this.maxBytes = maxBytes;
    }

    /**
     * Acquires a writable direct view of exactly {@code size} bytes, waiting for
     * other owners to release memory if the pool is at its bound. The caller owns
     * the view until it closes it (see the class doc).
     *
     * @param size the size of the view in bytes
     * @return a pooled view; close it once
     * @throws IllegalArgumentException if {@code size} is negative, or larger than
     *     the pool's bound or than {@link Integer#MAX_VALUE} once rounded to its size class
     * @throws InterruptedException if the thread is interrupted while waiting; nothing is held then
     * @throws OutOfMemoryError if the JVM's direct memory limit is reached below the pool's bound
     */
    public ByteView acquire(long size) throws InterruptedException {
        try {
            return acquire(size, Long.MAX_VALUE);
        } catch (TimeoutException e) {
            throw new AssertionError("no timeout was set", e);
        }
    }

    /**
     * Acquires as {@link #acquire(long)} does, waiting at most {@code timeoutNanos}
     * ({@link Long#MAX_VALUE}: without limit); for {@link Frames}.
     */
    ByteView acquire(long size, long timeoutNanos) throws InterruptedException, TimeoutException {
        ByteView view = tryAcquire(size);
        if (view != null) {
            return view;
        }
        CompletableFuture<ByteView> pending = acquireAsync(size);
        try {
            return timeoutNanos == Long.MAX_VALUE
                    ? pending.get()
                    : pending.get(Math.max(0, timeoutNanos), TimeUnit.NANOSECONDS);
        } catch (InterruptedException | TimeoutException e) {
            withdraw(pending);
            throw e;
        } catch (ExecutionException e) {
            throw unwrap(e);
        }
    }

    /**
     * Acquires a view as {@link #acquire} does if that needs no waiting.
     *
     * @param size the size of the view in bytes
     * @return a pooled view, or null if the pool is at its bound or others are waiting
     * @throws IllegalArgumentException as for {@link #acquire}
     */
    public ByteView tryAcquire(long size) {
        int capacity = sizeClass(size);
        PoolSlot slot;
        boolean fresh;
        List<ByteBuffer> evicted = new ArrayList<>(0);
        lock.lock();
        try {
            dropCancelledWaiters();
            if (!waiters.isEmpty()) {
                return null;
            }
            slot = takeIdle(capacity);
            fresh = slot == null;
            if (fresh && !reserve(capacity, evicted)) {
                return null;
            }
        } finally {
            lock.unlock();
        }
        freeAll(evicted);
        return lease(fresh ? allocate(capacity) : slot, size);
    }

    /**
     * Acquires a view without blocking the caller: the future completes at once if
     * memory is free, or on the thread of a later release. Cancelling the future
     * withdraws the request; if it had already completed, the caller owns the view
     * and must close it. For Kotlin, {@code acquireAsync(size).await()}.
     *
     * @param size the size of the view in bytes
     * @return a future of a pooled view
     * @throws IllegalArgumentException as for {@link #acquire}
     */
    public CompletableFuture<ByteView> acquireAsync(long size) {
        ByteView now = tryAcquire(size);
        if (now != null) {
            return CompletableFuture.completedFuture(now);
        }
        Waiter waiter = new Waiter(size, sizeClass(size), new CompletableFuture<>());
        lock.lock();
        try {
            waiters.addLast(waiter);
            waits++;
        } finally {
            lock.unlock();
        }
        // Serves it at once if memory was released between tryAcquire and here.
        serveWaiters();
        waiter.future.whenComplete((view, failure) -> {
            if (waiter.future.isCancelled()) {
                serveWaiters();
            }
        });
        return waiter.future;
    }

    /**
     * Returns the pool's figures as they are now.
     *
     * @return a consistent snapshot
     */
    public PoolFigures figures() {
        lock.lock();
        try {
            return new PoolFigures(maxBytes, bytesHeld, bytesIdle, viewsOut, misses, waits, leaks);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Records where views are acquired for one acquisition in {@code oneIn}, so a
     * leak report can show it: 0 turns recording off (the default), 1 records every
     * acquisition (for tests), 128 is a production-friendly sample. Leaks are found
     * and counted either way; this only decides which reports carry a stack trace.
     * May be changed at any time.
     *
     * @param oneIn 0, or how many acquisitions per recorded one
     * @throws IllegalArgumentException if {@code oneIn} is negative
     */
    public void sampleLeakStacks(int oneIn) {
        if (oneIn < 0) {
            throw new IllegalArgumentException("oneIn must be >= 0, was " + oneIn);
        }
        leakStackSampling = oneIn;
    }

    /**
     * Sends leak reports to {@code listener} instead of the {@link System.Logger};
     * null restores the logger. The listener runs on the JDK's cleaner thread and
     * must return quickly; what it throws is logged and ignored.
     *
     * @param listener the receiver of reports, or null
     */
    public void onLeak(Consumer<ViewLeak> listener) {
        leakListener = listener;
    }

    /**
     * Frees the idle memory the pool holds; views out are not affected.
     *
     * @return the bytes freed
     */
    public long trim() {
        List<ByteBuffer> freed = new ArrayList<>();
        long bytes;
        lock.lock();
        try {
            for (ArrayDeque<PoolSlot> slots : idle.values()) {
                for (PoolSlot slot : slots) {
                    freed.add(slot.buffer);
                }
                slots.clear();
            }
            bytes = bytesIdle;
            bytesHeld -= bytesIdle;
            bytesIdle = 0;
        } finally {
            lock.unlock();
        }
        freeAll(freed);
        return bytes;
    }

    /** Describes the bound and the figures. */
    @Override
    public String toString() {
        return "ViewPool" + figures();
    }

    private int sizeClass(long size) {
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0, was " + size);
        }
        long capacity;
        if (size <= MIN_CLASS) {
            capacity = MIN_CLASS;
        } else {
            long step = Long.highestOneBit(size - 1) / 4;
            capacity = (size + step - 1) / step * step;
            if (capacity > Integer.MAX_VALUE) {
                capacity = size;
            }
        }
        if (capacity > maxBytes || capacity > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot acquire " + size + " bytes (" + capacity
                    + " pooled) from a pool bounded at " + maxBytes + " bytes; a pooled view holds at most "
                    + Integer.MAX_VALUE + " bytes");
        }
        return (int) capacity;
    }

    /** Under the lock. */
    private PoolSlot takeIdle(int capacity) {
        ArrayDeque<PoolSlot> slots = idle.get(capacity);
        PoolSlot slot = slots == null ? null : slots.pollFirst();
        if (slot != null) {
            bytesIdle -= capacity;
            viewsOut++;
        }
        return slot;
    }

    /**
     * Under the lock: counts {@code capacity} new bytes as held if the bound allows,
     * moving idle buffers of other sizes to {@code evicted} to make room.
     */
    private boolean reserve(int capacity, List<ByteBuffer> evicted) {
        if (bytesHeld + capacity > maxBytes && bytesHeld - bytesIdle + capacity <= maxBytes) {
            Iterator<ArrayDeque<PoolSlot>> classes = idle.values().iterator();
            while (bytesHeld + capacity > maxBytes && classes.hasNext()) {
                ArrayDeque<PoolSlot> slots = classes.next();
                while (bytesHeld + capacity > maxBytes && !slots.isEmpty()) {
                    PoolSlot slot = slots.pollFirst();
                    evicted.add(slot.buffer);
                    bytesHeld -= slot.capacity();
                    bytesIdle -= slot.capacity();
                }
            }
        }
        if (bytesHeld + capacity > maxBytes) {
            return false;
        }
        bytesHeld += capacity;
        viewsOut++;
        misses++;
        return true;
    }

    private PoolSlot allocate(int capacity) {
        try {
            return new PoolSlot(ByteBuffer.allocateDirect(capacity));
        } catch (OutOfMemoryError e) {
            lock.lock();
            try {
                bytesHeld -= capacity;
                viewsOut--;
            } finally {
                lock.unlock();
            }
            serveWaiters();
            throw e;
        }
    }

    private ByteView lease(PoolSlot slot, long size) {
        int sampling = leakStackSampling;
        Throwable acquiredAt = sampling > 0 && ThreadLocalRandom.current().nextInt(sampling) == 0
                ? new Throwable("pooled view of " + size + " bytes acquired here")
                : null;
        Lease lease = new Lease(slot, size, owner, acquiredAt);
        return ByteView.leased(slot.buffer.slice(0, (int) size), lease);
    }

    private void dropCancelledWaiters() {
        while (!waiters.isEmpty() && waiters.peekFirst().future.isDone()) {
            waiters.pollFirst();
        }
    }

    /** Hands memory to waiters in arrival order for as long as the head can be served. */
    private void serveWaiters() {
        while (true) {
            Waiter waiter;
            PoolSlot slot;
            List<ByteBuffer> evicted = new ArrayList<>(0);
            lock.lock();
            try {
                dropCancelledWaiters();
                waiter = waiters.peekFirst();
                if (waiter == null) {
                    return;
                }
                slot = takeIdle(waiter.capacity);
                if (slot == null && !reserve(waiter.capacity, evicted)) {
                    return;
                }
                waiters.pollFirst();
            } finally {
                lock.unlock();
            }
            freeAll(evicted);
            ByteView view;
            try {
                view = lease(slot != null ? slot : allocate(waiter.capacity), waiter.size);
            } catch (OutOfMemoryError e) {
                waiter.future.completeExceptionally(e);
                continue;
            }
            if (!waiter.future.complete(view)) {
                view.close();
            }
        }
    }

    private void putBack(PoolSlot slot) {
        lock.lock();
        try {
            viewsOut--;
            idle.computeIfAbsent(slot.capacity(), c -> new ArrayDeque<>()).addFirst(slot);
            bytesIdle += slot.capacity();
        } finally {
            lock.unlock();
        }
        serveWaiters();
    }

    private void report(ViewLeak leak) {
        Consumer<ViewLeak> listener = leakListener;
        try {
            if (listener != null) {
                listener.accept(leak);
                return;
            }
        } catch (RuntimeException e) {
            LOGGER.log(System.Logger.Level.WARNING, "leak listener failed", e);
        }
        LOGGER.log(System.Logger.Level.WARNING, leak.toString(), leak.acquiredAt());
    }

    private static void freeAll(List<ByteBuffer> buffers) {
        for (ByteBuffer buffer : buffers) {
            DirectMemory.free(buffer);
        }
    }

    /** Withdraws a request; closes the view if it was served in the meantime. */
    private static void withdraw(CompletableFuture<ByteView> pending) {
        if (!pending.cancel(false)) {
            ByteView view = pending.getNow(null);
            if (view != null) {
                view.close();
            }
        }
    }

    private static RuntimeException unwrap(ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof RuntimeException runtime) {
            return runtime;
        }
        if (cause instanceof Error error) {
            throw error;
        }
        return new IllegalStateException(cause);
    }

    private record Waiter(long size, int capacity, CompletableFuture<ByteView> future) {
    }

    private final class Owner implements Lease.Owner {
        @Override
        public void released(PoolSlot slot) {
            putBack(slot);
        }

        @Override
        public void leaked(PoolSlot slot, long byteCount, Throwable acquiredAt) {
            lock.lock();
            try {
                leaks++;
            } finally {
                lock.unlock();
            }
            putBack(slot);
            report(new ViewLeak(byteCount, acquiredAt));
        }
    }
}
