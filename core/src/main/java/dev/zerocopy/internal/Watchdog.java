package dev.zerocopy.internal;

import java.io.IOException;
import java.nio.channels.Channel;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Enforces a deadline on a blocking channel by closing it when the deadline passes.
 *
 * <p>A call blocked in a blocking channel cannot be cut short any other way: there is
 * no timeout on {@code SocketChannel} reads or writes, and an interrupt closes the
 * channel too (as {@link java.nio.channels.InterruptibleChannel} says) while leaving
 * the caller's interrupt status set. Closing wakes the blocked call with an
 * {@link java.nio.channels.AsynchronousCloseException} on platform and virtual threads
 * alike. One daemon thread serves every watchdog in the process.
 */
public final class Watchdog implements AutoCloseable {

    private static final int ARMED = 0;
    private static final int FIRED = 1;
    private static final int DISARMED = 2;

    /** For calls that need no watchdog: never fires. */
    private static final Watchdog NONE = new Watchdog(null, false);

    private final Channel channel;
    private final boolean sending;
    private Deadline deadline;
    private Tally idle;
    private int state = ARMED;
    private ScheduledFuture<?> timer;

    private Watchdog(Channel channel, boolean sending) {
        this.channel = channel;
        this.sending = sending;
    }

    /**
     * Arms a watchdog as {@link #arm(Channel, int, Deadline)} does that also closes the channel
     * once the transfer counted by {@code idle} has moved nothing for its idle timeout (if it
     * has one). It wakes at most once per idle timeout, not per step.
     */
    public static Watchdog arm(Channel channel, int interestOps, Deadline deadline, Tally idle) {
        if (idle == null || !idle.idles()) {
            return arm(channel, interestOps, deadline);
        }
        if (!(channel instanceof SelectableChannel selectable) || !selectable.isBlocking()) {
            return NONE;
        }
        Watchdog watchdog = new Watchdog(channel, interestOps == SelectionKey.OP_WRITE);
        watchdog.deadline = deadline;
        watchdog.idle = idle;
        synchronized (watchdog) {
            watchdog.check();
        }
        return watchdog;
    }

    /** Fires if the deadline passed or the transfer idled too long; else looks again when one may have. */
    private synchronized void check() {
        if (state != ARMED) {
            return;
        }
        long wait = Math.min(deadline.remainingNanos(), idle.idleRemainingNanos());
        if (wait <= 0) {
            fire();
        } else {
            timer = Timer.EXECUTOR.schedule(this::check, wait, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * Arms a watchdog that closes {@code channel} at {@code deadline} (shutting its output down
     * first for a send, {@code interestOps} being {@code OP_WRITE}), if the channel is a
     * blocking selectable channel and the deadline is bounded; otherwise returns one that
     * never fires (a non-blocking channel waits for readiness with the deadline instead).
     */
    public static Watchdog arm(Channel channel, int interestOps, Deadline deadline) {
        if (!deadline.isBounded() || !(channel instanceof SelectableChannel selectable) || !selectable.isBlocking()) {
            return NONE;
        }
        Watchdog watchdog = new Watchdog(channel, interestOps == SelectionKey.OP_WRITE);
        watchdog.timer = Timer.EXECUTOR.schedule(watchdog::fire, Math.max(0, deadline.remainingNanos()),
                TimeUnit.NANOSECONDS);
        return watchdog;
    }

    /**
     * Closes the channel now, unless the watchdog was disarmed. The caller's loop calls this
     * when it sees the deadline pass between steps, so that a timeout on a blocking channel
     * always leaves it closed, whichever side noticed first.
     */
    public synchronized void fire() {
        if (channel != null && state == ARMED) {
            state = FIRED;
            try {
                if (sending && channel instanceof SocketChannel socket) {
                    // A transferTo blocked in sendfile on a blocking descriptor (a platform thread's) is
                    // not known to the channel, so close alone would not wake it; shutdown does. (Not for
                    // a receive: the peer could answer the FIN with its own before the close lands.)
                    socket.shutdownOutput();
                }
            } catch (IOException | RuntimeException notConnected) {
                // closing below is what counts
            }
            try {
                channel.close();
            } catch (IOException ignored) {
                // closing is all the deadline can do; the caller reports the timeout
            }
        }
    }

    /**
     * Tells whether the deadline closed the channel. Waits while it is being closed, so that a
     * caller woken by the closing sees the channel closed once this returns {@code true}.
     */
    public synchronized boolean fired() {
        return state == FIRED;
    }

    /**
     * Disarms the watchdog: after this returns, it will not close the channel, unless
     * it already had ({@link #fired()} then says so).
     */
    @Override
    public synchronized void close() {
        if (state == ARMED) {
            state = DISARMED;
            if (timer != null) {
                timer.cancel(false);
            }
        }
    }

    /** The one thread that fires watchdogs, started on first use. */
    private static final class Timer {
        static final ScheduledThreadPoolExecutor EXECUTOR = new ScheduledThreadPoolExecutor(1, work -> {
            Thread thread = new Thread(work, "zerocopy-deadlines");
            thread.setDaemon(true);
            return thread;
        });

        static {
            EXECUTOR.setRemoveOnCancelPolicy(true);
        }
    }
}
