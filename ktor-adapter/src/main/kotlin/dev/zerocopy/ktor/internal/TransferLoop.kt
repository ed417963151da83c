package dev.zerocopy.ktor.internal

import dev.zerocopy.internal.Keys
import java.io.IOException
import java.nio.channels.ClosedChannelException
import java.nio.channels.SelectableChannel
import java.nio.channels.SelectionKey
import java.nio.channels.Selector
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.function.Consumer

/** Numbers the threads of every transfer loop. */
private val loopNumbers = AtomicInteger()

/**
 * How often a loop with handoffs under way looks for channels closed under them: closing a
 * channel cancels its keys without waking the selectors it is registered with (and on Linux
 * the descriptor is swapped for a dead one, so epoll reports nothing), so only a look finds it.
 */
private val CLOSED_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(100)

/**
 * One thread with its own [Selector] that steps the [Handoff]s given to it on readiness, each
 * until it ends, and then completes it: one hop back to the caller per handoff, however many
 * waits the transfer needs. The thread starts with the first handoff and ends once it has had
 * none for [idleNanos], closing its selector (and with it every key it made), or when [close]
 * is called.
 *
 * A channel keeps its key with this loop between handoffs (interest 0, so it costs nothing but
 * the registration) rather than registering anew each time: a cancelled key cannot be replaced
 * until the next select, and ping-pong traffic hands off once per message. Keys of channels
 * that were closed are dropped by the next select, within [CLOSED_CHECK_NANOS]: until then the
 * JDK keeps the descriptor open (the peer sees the end of stream at once: the JDK shuts the
 * socket down for writing when a registered channel is closed).
 *
 * A key also keeps the [ViewHandoff]s of its channel (one per direction) between calls, so that
 * a call that waits finds its handoff there ([viewHandoff]) instead of making one; the loop
 * forgets them (and their Job registrations) when it drops the key: once the channel is closed,
 * or when the thread stops. Handing over, stepping and handing back allocate nothing: the
 * queue and the list of handoffs under way are plain lists that keep their arrays, and the
 * ready keys are visited with [Selector.select]'s action rather than an iterator.
 */
internal class TransferLoop(private val idleNanos: Long) {

    /** The thread of a loop, known by its class: a progress listener may run on it. */
    private class LoopThread(task: Runnable, name: String) : Thread(task, name)

    companion object {
        /**
         * Whether the calling thread is a loop's: such a thread must never wait for a transfer to
         * stop, since stepping (and acknowledging) transfers is its job.
         */
        val onLoopThread: Boolean get() = Thread.currentThread() is LoopThread
    }

    /** Handoffs given to the loop, guarded by lock; swapped with [draining] by the loop's thread. */
    private var queue = ArrayList<Handoff>()

    /** The handoffs the loop's thread takes on next; the loop's thread only. */
    private var draining = ArrayList<Handoff>()

    /** The handoffs under way, each knowing its index ([Handoff.activeIndex]); the loop's thread only. */
    private val active = ArrayList<Handoff>()

    /** The view handoffs kept by this loop's keys, each knowing its index ([ViewHandoff.keptIndex]); the loop's thread only. */
    private val kept = ArrayList<ViewHandoff>()

    /** What a select does with each ready key. */
    private val onReady = Consumer<SelectionKey> { stepReady(it) }

    /** False while the thread is (about to be) in select() and needs a wake-up for new work. */
    private val awake = AtomicBoolean(true)

    private val lock = Any()
    @Volatile private var selector: Selector? = null // written holding lock
    private var thread: Thread? = null // guarded by lock
    @Volatile private var closed = false

    /**
     * The view handoff kept for [channel] and [ops] by this loop's key, or null if there is none
     * (yet, or no more: the key was dropped); allocates nothing. The loop's thread attaches
     * it ([register]); it is a hint, as [holds] is: [submit] sorts out a handoff whose key is gone.
     */
    fun viewHandoff(channel: SelectableChannel, ops: Int): ViewHandoff? {
        val current = selector ?: return null
        val key = channel.keyFor(current) ?: return null
        return (key.attachment() as Slot).kept(ops)
    }

    /** Whether [channel] has a key with this loop's selector (a hint: the thread may stop right after). */
    fun holds(channel: SelectableChannel): Boolean {
        val current = selector ?: return false
        return channel.keyFor(current)?.isValid == true
    }

    /** The readiness (SelectionKey bits) this loop waits for on [channel], 0 if none; for tests. */
    fun interestOps(channel: SelectableChannel): Int {
        val current = selector ?: return 0
        return runCatching { channel.keyFor(current)?.interestOps() ?: 0 }.getOrDefault(0)
    }

    /** Whether the loop's thread is running; for tests. */
    val isRunning: Boolean get() = synchronized(lock) { thread != null }

    /**
     * Gives [handoff] to the loop, starting its thread if it is not running: a new one to
     * step, or one its caller cancelled, to stop stepping and acknowledge. A closed loop ends
     * a new handoff at once; it has ended every handoff it took before its thread stopped, and a
     * cancelled handoff that reaches it with no thread running is ended at once too.
     */
    fun submit(handoff: Handoff) {
        synchronized(lock) {
            val current = selector
            if (current == null && handoff.cancelled) {
                // No thread runs, so none has it: one that stopped had ended every handoff it took.
                // A handoff cancelled before any thread took it (its caller's Job was cancelled as it
                // handed over) is ended here; dropping it left its caller waiting for good.
                if (!handoff.isDone) handoff.end(null, finished = false)
                return
            }
            if (closed && !handoff.cancelled) {
                handoff.end(IOException("the adapter's transfer loops are closed"), finished = false)
                return
            }
            queue.add(handoff)
            if (current == null) {
                try {
                    start()
                } catch (failure: Exception) {
                    queue.remove(handoff) // its caller gets the failure, so no thread may step it later
                    throw failure
                }
            } else if (awake.compareAndSet(false, true)) {
                current.wakeup()
            }
        }
    }

    /** Stops the thread: handoffs under way end with an IOException once it has seen this. */
    fun close() {
        synchronized(lock) {
            closed = true
            selector?.wakeup()
        }
    }

    private fun start() { // holding lock
        val opened = Selector.open()
        selector = opened
        awake.set(true)
        thread = LoopThread({ run(opened) }, "zerocopy-loop-${loopNumbers.incrementAndGet()}").apply {
            isDaemon = true
            start()
        }
    }

    private fun run(selector: Selector) {
        var busySince = System.nanoTime()
        var nextClosedCheck = 0L
        try {
            while (true) {
                drain(selector)
                val now = System.nanoTime()
                if (active.isNotEmpty()) busySince = now
                if ((active.isNotEmpty() || kept.isNotEmpty()) && now - nextClosedCheck >= 0) {
                    endClosed(selector)
                    nextClosedCheck = now + CLOSED_CHECK_NANOS
                }
                val idle = now - busySince
                if (active.isEmpty() && (idle >= idleNanos || closed) && stop(selector)) return
                if (closed) {
                    drain(selector)
                    endAll(IOException("the adapter's transfer loops are closed"))
                    continue
                }
                awake.set(false)
                if (hasQueued()) {
                    selector.selectNow(onReady)
                } else {
                    // Idle too, a closed channel's key holds its descriptor until a select drops it.
                    val waitNanos = if (active.isEmpty()) minOf(idleNanos - idle, CLOSED_CHECK_NANOS) else CLOSED_CHECK_NANOS
                    selector.select(onReady, maxOf(1, TimeUnit.NANOSECONDS.toMillis(waitNanos)))
                }
                awake.set(true)
            }
        } catch (failure: Throwable) {
            // The selector itself failed: end every handoff with the failure, and let the next submit start afresh.
            val ended = IOException("the adapter's transfer loop failed: $failure", failure)
            endAll(ended)
            forgetKept()
            synchronized(lock) {
                queue.filter { !it.isDone }.forEach { it.end(ended, finished = false) }
                queue.clear()
                this.selector = null
                thread = null
            }
            runCatching { selector.close() }
            if (failure is Error) throw failure
        }
    }

    /** Ends the thread if no handoff arrived meanwhile; true if it did. */
    private fun stop(selector: Selector): Boolean {
        synchronized(lock) {
            if (queue.isNotEmpty()) return false
            this.selector = null
            thread = null
        }
        // Callers that find no selector make new handoffs; these ones go, with their Job registrations.
        forgetKept()
        selector.close()
        return true
    }

    private fun hasQueued(): Boolean = synchronized(lock) { queue.isNotEmpty() }

    /** Takes new handoffs on and acknowledges cancelled ones. */
    private fun drain(selector: Selector) {
        val taken = synchronized(lock) {
            if (queue.isEmpty()) return
            val taken = queue
            queue = draining
            draining = taken
            taken
        }
        for (i in taken.indices) {
            val handoff = taken[i]
            when {
                handoff.isDone -> {}
                handoff.cancelled -> stopStepping(handoff, null, finished = false)
                handoff.activeIndex < 0 -> {
                    val failure = register(selector, handoff)
                    if (failure == null) {
                        handoff.activeIndex = active.size
                        active.add(handoff)
                    } else {
                        handoff.end(failure, finished = false)
                    }
                }
            }
        }
        taken.clear()
    }

    /** Attaches [handoff] to its channel's key with this selector, or returns why it cannot be. */
    private fun register(selector: Selector, handoff: Handoff): Throwable? {
        try {
            var key = handoff.channel.keyFor(selector)
            if (key != null && !key.isValid) {
                selector.selectNow() // drops the cancelled key, so that the channel can register again
                key = handoff.channel.keyFor(selector)
            }
            if (key == null) key = handoff.channel.register(selector, 0, Slot())
            val slot = key.attachment() as Slot
            if (!slot.attach(handoff)) {
                return IllegalStateException(
                    "another ${if (handoff.ops == SelectionKey.OP_READ) "receive" else "send"} is already " +
                        "waiting on this socket; one call at a time per direction"
                )
            }
            if (!Keys.setInterest(key, slot.ops())) {
                // Closed since the validity check: an I/O failure, which the caller reports with its counts.
                slot.detach(handoff)
                return ClosedChannelException()
            }
            handoff.key = key
            if (handoff is ViewHandoff) keep(slot, handoff)
            return null
        } catch (failure: Exception) {
            return failure
        }
    }

    /**
     * Keeps [handoff] in [slot] for the next calls on its channel and direction, forgetting the
     * one kept before, if another (two callers that found none at once each made one).
     */
    private fun keep(slot: Slot, handoff: ViewHandoff) {
        val before = slot.kept(handoff.ops)
        if (before === handoff) return
        if (before != null) forget(before)
        slot.keep(handoff)
        if (handoff.keptIndex < 0) {
            handoff.keptIndex = kept.size
            kept.add(handoff)
        }
    }

    /** Drops a kept handoff and its Job registration; a caller that holds it still may use it once more. */
    private fun forget(handoff: ViewHandoff) {
        if (handoff.keptIndex >= 0) {
            kept.swapRemove(handoff.keptIndex) { moved, index -> moved.keptIndex = index }
            handoff.keptIndex = -1
        }
        handoff.unwatch()
    }

    private fun forgetKept() {
        while (kept.isNotEmpty()) forget(kept[kept.size - 1])
    }

    private fun stepReady(key: SelectionKey) {
        val slot = key.attachment() as Slot
        val ready = Keys.readyOps(key)
        if (ready < 0) { // the channel was closed since the select
            slot.reader?.let { stopStepping(it, ClosedChannelException(), finished = false) }
            slot.writer?.let { stopStepping(it, ClosedChannelException(), finished = false) }
            return
        }
        if (ready and SelectionKey.OP_READ != 0) slot.reader?.let { step(it) }
        if (ready and SelectionKey.OP_WRITE != 0) slot.writer?.let { step(it) }
    }

    private fun step(handoff: Handoff) {
        if (handoff.cancelled) return stopStepping(handoff, null, finished = false)
        try {
            if (handoff.stepUntilBlocked()) stopStepping(handoff, null, finished = true)
        } catch (failure: Throwable) {
            stopStepping(handoff, failure, finished = false)
        }
    }

    /**
     * Ends the handoffs whose channel was closed while they waited, and forgets the kept
     * handoffs of closed channels (whose keys a select drops without telling).
     */
    private fun endClosed(selector: Selector) {
        var i = active.size - 1
        while (i >= 0) {
            if (i < active.size) {
                val handoff = active[i]
                if (!handoff.channel.isOpen || handoff.key?.isValid == false) {
                    stopStepping(handoff, ClosedChannelException(), finished = false)
                }
            }
            i--
        }
        i = kept.size - 1
        while (i >= 0) {
            if (i < kept.size) {
                val handoff = kept[i]
                if (!handoff.channel.isOpen || handoff.channel.keyFor(selector)?.isValid != true) forget(handoff)
            }
            i--
        }
    }

    private fun endAll(failure: IOException) {
        while (active.isNotEmpty()) stopStepping(active[active.size - 1], failure, finished = false)
    }

    /** Detaches [handoff] from its key, so no step of this loop touches it again, and ends it. */
    private fun stopStepping(handoff: Handoff, failure: Throwable?, finished: Boolean) {
        if (handoff.activeIndex >= 0) {
            active.swapRemove(handoff.activeIndex) { moved, index -> moved.activeIndex = index }
            handoff.activeIndex = -1
        }
        handoff.key?.let { key ->
            val slot = key.attachment() as Slot
            slot.detach(handoff)
            Keys.setInterest(key, slot.ops()) // false once the channel is closed: its key goes at the next select
        }
        handoff.key = null
        handoff.end(failure, finished)
    }

    /**
     * What a channel's key carries: the receive and the send waiting on it, at most one each,
     * and the view handoffs kept for the next calls (read by callers, hence volatile).
     */
    private class Slot {
        var reader: Handoff? = null
        var writer: Handoff? = null
        @Volatile private var keptReader: ViewHandoff? = null
        @Volatile private var keptWriter: ViewHandoff? = null

        fun kept(ops: Int): ViewHandoff? = if (ops == SelectionKey.OP_READ) keptReader else keptWriter

        fun keep(handoff: ViewHandoff) {
            if (handoff.ops == SelectionKey.OP_READ) keptReader = handoff else keptWriter = handoff
        }

        fun attach(handoff: Handoff): Boolean {
            if (handoff.ops == SelectionKey.OP_READ) {
                if (reader != null) return false
                reader = handoff
            } else {
                if (writer != null) return false
                writer = handoff
            }
            return true
        }

        fun detach(handoff: Handoff) {
            if (reader === handoff) reader = null
            if (writer === handoff) writer = null
        }

        fun ops(): Int = (if (reader != null) SelectionKey.OP_READ else 0) or (if (writer != null) SelectionKey.OP_WRITE else 0)
    }
}

/**
 * Removes the element at [index] in constant time by moving the last one into its place, and
 * tells [reindex] the moved element's new index: the loop's lists know each element's index.
 */
private inline fun <T> ArrayList<T>.swapRemove(index: Int, reindex: (T, Int) -> Unit) {
    val last = removeAt(size - 1)
    if (index < size) {
        set(index, last)
        reindex(last, index)
    }
}
