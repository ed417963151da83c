package dev.zerocopy.ktor.internal

import java.nio.channels.SelectableChannel
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicInteger

/**
 * The adapter's group of [TransferLoop]s, which finish the socket-path transfers whose first
 * step in the caller moved nothing. A channel stays with the loop that holds its key; a
 * channel no loop holds goes to the next loop in turn, which spreads channels evenly where an
 * identity hash would put both ends of an in-process connection on one thread half the time.
 * A channel may be registered with several selectors, so this works for sockets of any Ktor
 * `SelectorManager`, Ktor's ordinary one included: Ktor's selector keeps its registration, the
 * loop adds its own (and should a send and a receive of a new channel pick two loops at once,
 * each loop keeps its own key for its direction).
 */
internal class TransferLoops(threads: Int, idleMillis: Long) : AutoCloseable {

    init {
        require(threads > 0) { "threads must be positive: $threads" }
    }

    private val loops = Array(threads) { TransferLoop(TimeUnit.MILLISECONDS.toNanos(idleMillis)) }

    private val next = AtomicInteger()

    /** The loop that steps [channel]'s transfers: the one that holds its key, else the next in turn. */
    fun loopFor(channel: SelectableChannel): TransferLoop {
        if (loops.size == 1) return loops[0]
        for (loop in loops) if (loop.holds(channel)) return loop
        return loops[Math.floorMod(next.getAndIncrement(), loops.size)]
    }

    /** The view handoff one of the loops keeps for [channel] and [ops], or null; allocates nothing. */
    fun viewHandoff(channel: SelectableChannel, ops: Int): ViewHandoff? {
        for (loop in loops) loop.viewHandoff(channel, ops)?.let { return it }
        return null
    }

    /** How many of the loops have a running thread; for tests. */
    val running: Int get() = loops.count { it.isRunning }

    /** Stops every loop's thread; transfers still under way end with an IOException. */
    override fun close() = loops.forEach { it.close() }

    companion object {
        /**
         * `dev.zerocopy.ktor.loops`: the number of loop threads; 0 turns the loops off, and
         * transfers then suspend on the socket's Ktor selector at every wait (the old path).
         * Default: `min(2, cores)`. Two loops drive 5,000 connections at the loopback's
         * ceiling on two cores; more loops than cores would queue behind each other.
         */
        private val threads: Int = Integer.getInteger(
            "dev.zerocopy.ktor.loops", minOf(2, Runtime.getRuntime().availableProcessors())
        )

        /** A loop idle this long ends its thread (and selector); the next handoff starts it again. */
        private const val IDLE_MILLIS = 1_000L

        /**
         * `dev.zerocopy.ktor.busyPollMicros`: how long a socket transfer whose step would block
         * retries it in the caller before handing it to a loop; 0 (the default) not at all.
         * Off by default: it spends CPU on every wait, on idle connections too.
         */
        val busyPollNanos: Long = TimeUnit.MICROSECONDS.toNanos(
            Integer.getInteger("dev.zerocopy.ktor.busyPollMicros", 0).toLong().coerceIn(0, 10_000)
        )

        /** The process-wide group the adapter's socket functions use, or null if the loops are turned off. */
        val default: TransferLoops? = if (threads > 0) TransferLoops(threads, IDLE_MILLIS) else null

        /**
         * The group whose [ViewHandoff]s the view and frame calls wait in, or null if they wait
         * as the calls with a timeout do: with the loops off, or with a busy-poll (which spins
         * in the caller before each wait).
         */
        val forViews: TransferLoops? = if (busyPollNanos == 0L) default else null
    }
}
