package dev.zerocopy.samples.chat

import dev.zerocopy.ByteView
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.sendFrom
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import org.HdrHistogram.Histogram
import java.io.IOException
import java.net.InetAddress
import java.nio.charset.StandardCharsets.UTF_8
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.ThreadLocalRandom
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** The most bots one run may open: the process may hold 20,000 files, and the server may share it. */
public const val MAX_BOTS: Int = 9_000

/** The longest line a bot accepts from the server; its own lines are far shorter. */
private const val BOT_MAX_LINE = 64 * 1024

/**
 * What a run of [ChatBots] measured.
 *
 * @property bots the clients that took part
 * @property sent messages the bots sent
 * @property deliveries bot messages the bots received
 * @property expectedDeliveries every message sent, once for every bot but its sender
 * @property botsMissingMessages bots that did not receive every message the others sent
 * @property botsDropped bots the server disconnected after telling them why (a line starting
 *   `error: `, such as the one a client too slow for its queue limit gets): a drop by design,
 *   visible to the client
 * @property droppedNotice the first such notice, or null if no bot was dropped
 * @property missedByDropped deliveries missing because of those drops: every message a dropped
 *   bot did not get, and every message from a dropped bot that the others did not get (the
 *   server stops reading a client it drops)
 * @property missedSilently every other missing delivery: lost on a connection that ended
 *   without a notice, or still not arrived when receiving gave up
 * @property outOfOrder messages that arrived out of their sender's order
 * @property connectNanos time to connect every bot and see its welcome
 * @property nanos time from the first message sent to the last one received
 * @property latency microseconds from sending to receiving, one value per delivery
 */
public class BotReport internal constructor(
    public val bots: Int,
    public val sent: Long,
    public val deliveries: Long,
    public val expectedDeliveries: Long,
    public val botsMissingMessages: Int,
    public val botsDropped: Int,
    public val droppedNotice: String?,
    public val missedByDropped: Long,
    public val missedSilently: Long,
    public val outOfOrder: Long,
    public val connectNanos: Long,
    public val nanos: Long,
    public val latency: Histogram,
) {
    /** Tells whether every bot received every other bot's messages, each sender's in order. */
    public val complete: Boolean get() = botsMissingMessages == 0 && outOfOrder == 0L && deliveries == expectedDeliveries

    /**
     * Tells whether every message that did not arrive is accounted for by a drop the server
     * announced, and every one that did came in order: nothing was lost without a word.
     */
    public val noneLostSilently: Boolean get() = missedSilently == 0L && outOfOrder == 0L

    /** Deliveries per second over [nanos]. */
    public val deliveriesPerSecond: Double get() = if (nanos == 0L) 0.0 else deliveries / (nanos / 1e9)
}

/**
 * A load generator for [ChatServer]: [count] coroutine clients on one selector, each
 * sending [messages] lines [interval] apart and receiving everyone else's, to measure
 * how fast and how promptly the server fans messages out.
 *
 * A bot's line is `bot <index> <seq> <nanoTime>`; the receiving bot (in the same
 * process, so on the same clock) records the delivery latency in an HdrHistogram and
 * checks each sender's sequence. Bots start sending only once all of them have
 * joined, so each should receive every other bot's messages, unless the server drops
 * it (with a notice) for falling too far behind; the report tells those drops from
 * messages lost without a word.
 *
 * Bounded: sending stops after [messages] per bot or after [duration], whichever comes
 * first; receiving then goes on while messages still arrive, and stops when every bot has
 * what it expects or its connection ended, when no message arrived for [drain], or at
 * the latest [duration] after sending ended. Targets must be loopback addresses.
 */
public class ChatBots(
    private val count: Int,
    private val messages: Int,
    private val interval: Duration = 100.milliseconds,
    private val duration: Duration = 60.seconds,
    private val drain: Duration = 10.seconds,
) {
    init {
        require(count in 2..MAX_BOTS) { "count must be 2 to $MAX_BOTS (one process holds 20,000 files), was $count" }
        require(messages >= 0) { "messages must be >= 0, was $messages" }
        require(!interval.isNegative()) { "interval must be >= 0, was $interval" }
        require(duration.isPositive()) { "duration must be > 0, was $duration" }
    }

    /**
     * Runs the bots against the chat server at [host]:[port].
     *
     * @throws IllegalArgumentException if [host] is not a loopback address
     * @throws IOException if a bot cannot connect, or the server refuses it, or the bots cannot all
     *   join within the duration (the message then names the bots still waiting, and for what)
     */
    public suspend fun run(host: String, port: Int): BotReport {
        val addresses = InetAddress.getAllByName(host)
        require(addresses.all { it.isLoopbackAddress }) {
            "chat bots only targets loopback addresses; $host is ${addresses.joinToString { it.hostAddress }}"
        }
        return SocketFutures.selectorManager().use { selector ->
            val connected = ConcurrentLinkedQueue<Bot>()
            // What each bot not yet welcomed is waiting for, to say so if they do not all join in time.
            val waiting = ConcurrentHashMap<Int, String>()
            try {
                val connectStart = System.nanoTime()
                withTimeoutOrNull(duration) {
                    (0 until count).map { index ->
                        launch { connected += Bot.connect(index, count, selector, host, port, waiting) }
                    }.joinAll()
                } ?: throw IOException(
                    "${waiting.size} of $count bots were not welcomed by $host:$port within $duration: " +
                        waiting.entries.sortedBy { it.key }.take(10).joinToString { "bot ${it.key} ${it.value}" } +
                        if (waiting.size > 10) ", ..." else "",
                )
                exchange(connected.sortedBy { it.index }, System.nanoTime() - connectStart)
            } finally {
                connected.forEach { it.socket.close() }
            }
        }
    }

    private suspend fun exchange(bots: List<Bot>, connectNanos: Long): BotReport = coroutineScope {
        val expectedEach = messages.toLong() * (count - 1)
        bots.forEach { it.target = expectedEach }
        val readers = bots.map { bot -> launch { bot.receive(count) } }
        val start = System.nanoTime()
        val sendDeadline = start + duration.inWholeNanoseconds
        bots.map { bot -> launch { bot.send(messages, interval, sendDeadline) } }.forEach { it.join() }

        // Sending ended (all sent, or the duration ran out): now each bot knows what it should get.
        val sent = bots.sumOf { it.sent.get().toLong() }
        bots.forEach { it.expect(sent - it.sent.get()) }
        // A loaded server (or these bots' own thread) may be well behind when sending ends; wait
        // while it still delivers, not for a fixed time, so a slow run is not taken for a lossy one.
        val drainEnd = System.nanoTime() + duration.inWholeNanoseconds
        while (true) {
            val before = bots.sumOf { it.received.get() }
            if (withTimeoutOrNull(drain) { bots.forEach { it.done.await() } } != null) break
            if (bots.sumOf { it.received.get() } == before || System.nanoTime() >= drainEnd) break
        }
        readers.forEach { it.cancelAndJoin() }

        val latency = Histogram(3)
        bots.forEach { latency.add(it.latency) }
        val last = bots.maxOf { it.lastReceipt.get() }
        val dropped = bots.filter { it.droppedBy != null }
        var missedByDropped = 0L
        var missedSilently = 0L
        for (receiver in bots) {
            for (sender in bots) {
                if (sender === receiver) continue
                val missed = sender.sent.get() - receiver.receivedFrom[sender.index]
                if (receiver.droppedBy != null || sender.droppedBy != null) missedByDropped += missed else missedSilently += missed
            }
        }
        BotReport(
            bots = count,
            sent = sent,
            deliveries = bots.sumOf { it.received.get() },
            expectedDeliveries = sent * (count - 1),
            botsMissingMessages = bots.count { it.received.get() != sent - it.sent.get() },
            botsDropped = dropped.size,
            droppedNotice = dropped.firstOrNull()?.droppedBy,
            missedByDropped = missedByDropped,
            missedSilently = missedSilently,
            outOfOrder = bots.sumOf { it.outOfOrder },
            connectNanos = connectNanos,
            nanos = if (last == 0L) 0L else last - start,
            latency = latency,
        )
    }
}

/** One bot: a connection that has been welcomed, its line reader, and its counters. */
private class Bot(val index: Int, val socket: Socket, private val lines: LineReader, bots: Int) {

    val sent = AtomicInteger()
    val received = AtomicLong()

    /** Messages received from each bot, by its index; written by this bot's reader only. */
    val receivedFrom = LongArray(bots)
    val lastReceipt = AtomicLong()
    /** Completed once this bot has what it expects, or its connection ended: it will receive no more. */
    val done = CompletableDeferred<Unit>()
    val latency = Histogram(3)
    var outOfOrder = 0L

    /** The server's last `error: ` line, if the connection then ended: why the server dropped this bot. */
    @Volatile
    var droppedBy: String? = null

    /** Messages this bot should receive; lowered once sending ends, if the duration cut it short. */
    @Volatile
    var target = Long.MAX_VALUE

    /** Sets what this bot should receive, and finishes it if that already arrived. */
    fun expect(messages: Long) {
        target = messages
        if (received.get() >= messages) done.complete(Unit)
    }

    suspend fun send(messages: Int, interval: Duration, deadline: Long) {
        // Start at a random point of the first interval, so that the bots do not send in lockstep.
        if (interval.isPositive()) delay(ThreadLocalRandom.current().nextLong(interval.inWholeMilliseconds + 1))
        for (seq in 0 until messages) {
            if (System.nanoTime() >= deadline) return
            val line = "bot $index $seq ${System.nanoTime()}\n".toByteArray(UTF_8)
            try {
                socket.sendFrom(ByteView.wrap(line))
            } catch (closed: IOException) {
                // The server closed this bot (its reader learns why); the others keep going.
                return
            }
            sent.incrementAndGet()
            if (seq < messages - 1) delay(interval)
        }
    }

    /** Reads lines until cancelled or the connection ends, counting and timing the bots' messages. */
    suspend fun receive(bots: Int) {
        val lastSeq = IntArray(bots) { -1 }
        var notice: String? = null
        while (true) {
            val read = try {
                lines.next()
            } catch (lost: IOException) {
                null
            }
            if (read !is Read.Line) {
                // The connection ended: after an `error: ` line the server dropped this bot and said
                // why; without one, whatever is missing was lost silently. Either way no more comes.
                droppedBy = notice
                done.complete(Unit)
                return
            }
            val now = System.nanoTime()
            val message = parse(read)
            if (message == null) {
                val text = String(read.bytes, read.offset, read.length, UTF_8)
                if (text.startsWith("error: ")) notice = text
                continue
            }
            val (sender, seq, sentAt) = message
            if (sender !in 0 until bots) continue
            receivedFrom[sender]++
            if (seq != lastSeq[sender] + 1) outOfOrder++
            lastSeq[sender] = seq
            latency.recordValue(maxOf(0L, (now - sentAt) / 1_000))
            lastReceipt.set(now)
            if (received.incrementAndGet() >= target) done.complete(Unit)
        }
    }

    /** Parses `name: bot <index> <seq> <nanoTime>`; null for notices and other people's lines. */
    private fun parse(line: Read.Line): Triple<Int, Int, Long>? {
        val text = String(line.bytes, line.offset, line.length, UTF_8)
        val at = text.indexOf(": bot ")
        if (at < 0) return null
        val fields = text.substring(at + 6).split(' ')
        if (fields.size != 3) return null
        val sender = fields[0].toIntOrNull() ?: return null
        val seq = fields[1].toIntOrNull() ?: return null
        val sentAt = fields[2].toLongOrNull() ?: return null
        return Triple(sender, seq, sentAt)
    }

    companion object {
        /** Connects and waits for the server's welcome, after which every broadcast reaches this bot. */
        suspend fun connect(
            index: Int,
            bots: Int,
            selector: SelectorManager,
            host: String,
            port: Int,
            waiting: MutableMap<Int, String>,
        ): Bot {
            waiting[index] = "connecting"
            val socket = aSocket(selector).tcp().connect(host, port)
            try {
                waiting[index] = "connected from ${socket.localAddress}, no welcome yet"
                val lines = LineReader(socket, BOT_MAX_LINE)
                val first = lines.next()
                val text = if (first is Read.Line) String(first.bytes, first.offset, first.length, UTF_8) else "(closed)"
                if (!text.startsWith("* welcome")) throw IOException("bot $index was not welcomed by $host:$port: $text")
                waiting.remove(index)
                return Bot(index, socket, lines, bots)
            } catch (failed: Throwable) {
                socket.close()
                throw failed
            }
        }
    }
}
