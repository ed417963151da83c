package dev.zerocopy.internal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * One selector and one daemon thread that wait for readiness on behalf of every
 * blocking loop in the process that drives a non-blocking channel, so a waiting call
 * costs no descriptor of its own: 2,000 waiting calls share the poller's two or three
 * (the epoll instance and its wakeup).
 *
 * <p>Only the poller thread touches the selector and its keys; callers hand it work
 * through a queue and wake it. A waiting thread parks (a virtual thread unmounts) until
 * the poller unparks it. A channel registered here cannot be switched to blocking mode,
 * so {@link Registration#close()} waits until the poller has deregistered it: when a
 * call returns, the channel is as it was.
 */
public final class Poller {

    private final Selector selector;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicInteger armed = new AtomicInteger();

    private Poller() {
        try {
            selector = Selector.open();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the shared poller's selector", e);
        }
        Thread thread = new Thread(this::run, "zerocopy-poller");
        thread.setDaemon(true);
        thread.start();
    }

    /** The process's poller, started on first use. */
    public static Poller shared() {
        return Shared.POLLER;
    }

    /** Waits armed now: registrations waiting for readiness. For tests and diagnostics. */
    public int armed() {
        return armed.get();
    }

    /** Starts a registration of {@code channel}; nothing is registered until the first {@link Registration#arm}. */
    public Registration open(SelectableChannel channel, int interestOps) {
        return new Registration(channel, interestOps);
    }

    private void submit(Runnable task) {
        tasks.add(task);
        selector.wakeup();
    }

    private void run() {
        List<Registration> released = new ArrayList<>();
        while (true) {
            try {
                // selectNow below clears a wakeup that a submit made meanwhile, so work
                // queued by then is looked for here rather than waited on: a task added after
                // this check comes with a wakeup that the blocking select still sees.
                if (tasks.isEmpty()) {
                    selector.select();
                } else {
                    selector.selectNow();
                }
                dispatchSelected();
                Runnable task;
                while ((task = tasks.poll()) != null) {
                    if (task instanceof Release release) {
                        release.registration.detach();
                        released.add(release.registration);
                    } else {
                        task.run();
                    }
                }
                if (!released.isEmpty()) {
                    selector.selectNow(); // deregisters the cancelled keys before their owners return
                    dispatchSelected();
                    for (Registration registration : released) {
                        registration.released = true;
                        LockSupport.unpark(registration.owner);
                    }
                    released.clear();
                }
            } catch (IOException | RuntimeException e) {
                // A failing selector must not strand the waiters: each wakes on its own within its pause.
                LockSupport.parkNanos(1_000_000);
            }
        }
    }

    private void dispatchSelected() {
        for (SelectionKey key : selector.selectedKeys()) {
            if (key.isValid()) {
                ((Waiters) key.attachment()).fire(key);
            }
        }
        selector.selectedKeys().clear();
    }

    /** The calls waiting on one channel: two at most in practice, one reading and one writing. */
    private static final class Waiters {
        final List<Registration> list = new ArrayList<>(2);

        void fire(SelectionKey key) {
            // A key cancelled since the select (its channel closed) wakes all: their loops find out.
            int ready = Keys.readyOps(key);
            int remaining = 0;
            for (Registration registration : list) {
                if (registration.waiting && (registration.interestOps & ready) != 0) {
                    registration.signal();
                } else if (registration.waiting) {
                    remaining |= registration.interestOps;
                }
            }
            Keys.setInterest(key, remaining);
        }
    }

    private record Release(Registration registration) implements Runnable {
        @Override
        public void run() {
            throw new AssertionError("handled by the poller loop");
        }
    }

    /** One blocking call's use of the poller for one channel; the calling thread owns it. */
    public final class Registration implements AutoCloseable {

        private final SelectableChannel channel;
        private final int interestOps;
        private final Thread owner = Thread.currentThread();
        /** Poller thread only: the key, once registered, and whether this waits on it now. */
        private SelectionKey key;
        private boolean waiting;
        private volatile boolean ready;
        private volatile boolean released;
        private boolean used;

        private Registration(SelectableChannel channel, int interestOps) {
            this.channel = channel;
            this.interestOps = interestOps;
        }

        /** Asks the poller to wake the owner when the channel is ready; see {@link #ready()}. */
        public void arm() {
            used = true;
            ready = false;
            submit(this::register);
        }

        /** Tells whether the poller saw the channel ready (or failed to watch it) since {@link #arm()}. */
        public boolean ready() {
            return ready;
        }

        private void register() {
            try {
                if (key == null) {
                    key = channel.keyFor(selector);
                    if (key == null) {
                        key = channel.register(selector, 0, new Waiters());
                    }
                    ((Waiters) key.attachment()).list.add(this);
                }
                waiting = true;
                armed.incrementAndGet();
                key.interestOps(key.interestOps() | interestOps);
            } catch (IOException | RuntimeException cannotWatch) {
                // Closed or switched to blocking: wake the owner, whose loop finds out which.
                signal();
            }
        }

        private void signal() {
            if (waiting) {
                waiting = false;
                armed.decrementAndGet();
            }
            ready = true;
            LockSupport.unpark(owner);
        }

        private void detach() {
            if (waiting) {
                waiting = false;
                armed.decrementAndGet();
            }
            if (key == null) {
                return;
            }
            Waiters waiters = (Waiters) key.attachment();
            waiters.list.remove(this);
            if (waiters.list.isEmpty()) {
                key.cancel();
            } else {
                int remaining = 0;
                for (Registration other : waiters.list) {
                    remaining |= other.waiting ? other.interestOps : 0;
                }
                // Unchecked, the key of a channel closed meanwhile threw here, and the owner never got its release.
                Keys.setInterest(key, remaining);
            }
            key = null;
        }

        /** Deregisters the channel, if it was ever armed, and waits until the poller has done so. */
        @Override
        public void close() {
            if (!used) {
                return;
            }
            submit(new Release(this));
            // The owner may carry an interrupt from the wait that ended; park would not park.
            boolean interrupted = Thread.interrupted();
            while (!released) {
                LockSupport.park(this);
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final class Shared {
        static final Poller POLLER = new Poller();
    }
}
