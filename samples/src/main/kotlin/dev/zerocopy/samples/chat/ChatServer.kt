package dev.zerocopy.samples.chat

import dev.zerocopy.ByteView
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.sendFrom
import dev.zerocopy.samples.AcceptFailures
import dev.zerocopy.samples.acceptOrNull
import dev.zerocopy.samples.closeAndAwaitRelease
import dev.zerocopy.samples.serverThreads
import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.isClosed
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.channels.Channel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import java.io.IOException
import java.io.PrintWriter
import java.nio.ByteBuffer
import java.nio.charset.CharacterCodingException
import java.nio.charset.CodingErrorAction
import java.nio.charset.StandardCharsets.UTF_8
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * The limits a [ChatServer] enforces.
 *
 * @property maxLine the longest line a client may send, in bytes without its `\n` or `\r\n`;
 *   a longer one disconnects that client
 * @property maxQueueBytes the most bytes that may wait to be sent to one client, each
 *   queued line counted with 64 bytes of overhead; a client that falls further behind is
 *   told and disconnected
 * @property maxClients connections beyond this are told the server is full and closed
 * @property closeGrace how long a departing client's last lines may take to be sent
 *   before its connection is closed regardless
 */
public class ChatLimits(
    public val maxLine: Int = 8 * 1024,
    public val maxQueueBytes: Long = 1L shl 20,
    public val maxClients: Int = 5_000,
    public val closeGrace: Duration = 5.seconds,
) {
    init {
        require(maxLine >= 1) { "maxLine must be >= 1, was $maxLine" }
        require(maxQueueBytes >= 1) { "maxQueueBytes must be >= 1, was $maxQueueBytes" }
        require(maxClients >= 1) { "maxClients must be >= 1, was $maxClients" }
    }
}

/**
 * A line-based chat server on Ktor raw sockets that `nc` and `telnet` can use as
 * clients. Each client gets a guest name, may rename itself with `/nick name`, and
 * every line it sends is broadcast as `name: text` to every other client, with
 * join, rename and leave notices. Lines sent to clients end in `\r\n`, which both
 * `nc` and `telnet` show correctly.
 *
 * **Zero-copy fan-out.** A broadcast line is encoded once into one read-only
 * [ByteView], and that same view is queued for, and sent to, every recipient with
 * the adapter's `sendFrom`; recipients hold references, never copies. Receiving is
 * zero-copy too: the adapter's `recvSome` fills each client's line buffer directly.
 *
 * **Slow clients.** Queuing a line never waits: each client has its own outbound
 * queue, bounded in bytes by [ChatLimits.maxQueueBytes], drained by its own
 * coroutine. A client whose queue would overflow is told why and disconnected; the
 * others never wait for it.
 *
 * **Order.** Broadcasts are queued for every recipient under one lock, so all
 * clients see the lines in the same order, and each sender's lines in the order sent.
 *
 * **Threads.** The server's coroutines run on a pool of its own (a thread per core, at least
 * two) and Ktor's selector loop on the two threads of a `SocketFutures.selectorManager()`;
 * [close] stops both.
 *
 * Start it with [start]; [close] disconnects everyone and frees the port.
 */
public class ChatServer(private val limits: ChatLimits = ChatLimits(), private val log: PrintWriter? = null) : AutoCloseable {

    private val selector = SocketFutures.selectorManager()

    /** The server's coroutines run on threads of its own ([serverThreads]). */
    private val threads = serverThreads("chat")
    private val scope = CoroutineScope(SupervisorJob() + threads + CoroutineName("chat"))

    /** Guards [sessions] and [guests], and orders every broadcast. */
    private val lock = Any()

    /** Clients by name, in joining order. */
    private val sessions = LinkedHashMap<String, Session>()
    private var guests = 0

    @Volatile
    private var listener: ServerSocket? = null

    /** Connections accepted so far, and when the last one was (for [diagnostics]). */
    private val accepted = AtomicLong()

    @Volatile
    private var lastAcceptNanos = 0L

    @Volatile
    private var acceptLoop: Job? = null

    /** Set before the server closes its listener, which Ktor may report as closed only a moment later. */
    @Volatile
    private var closing = false

    /** Set by [shutdown]: departures are no longer announced to the others, who are leaving too. */
    private var shuttingDown = false

    /**
     * Binds [host]:[port] (0 for any free port) and starts accepting clients.
     *
     * @return the port the server listens on
     * @throws IOException if the address cannot be bound
     */
    public suspend fun start(host: String = "127.0.0.1", port: Int = 0): Int {
        check(listener == null) { "the server is already started" }
        AcceptFailures.warmClosePath()
        val bound = aSocket(selector).tcp().bind(host, port) {
            reuseAddress = true
            backlogSize = 1024
        }
        listener = bound
        acceptLoop = scope.launch { acceptLoop(bound) }
        return (bound.localAddress as InetSocketAddress).port
    }

    /** Returns the names of the clients connected now, in joining order. */
    public fun names(): List<String> = synchronized(lock) { sessions.keys.toList() }

    /**
     * Describes the server's state for a failure report: the listener, the accept loop, and
     * every session's queue (lines and bytes waiting) and writer (lines sent, and for how long
     * the current write has been under way). Not a stable format.
     */
    internal fun diagnostics(): String = buildString {
        val now = System.nanoTime()
        val bound = listener
        val selectable = bound as? Selectable
        append("chat server: accepted ").append(accepted.get())
        if (lastAcceptNanos != 0L) append(", the last ").append((now - lastAcceptNanos) / 1_000_000).append(" ms ago")
        append("; accept loop ").append(acceptLoop?.let { if (it.isActive) "active" else "ended" } ?: "not started")
        append("; listener ").append(if (bound == null) "none" else if (bound.isClosed) "closed" else "open")
        if (selectable != null) {
            append(" (channel open ").append(selectable.channel.isOpen)
            append(", registered ").append(selectable.channel.isRegistered)
            append(", interest ").append(selectable.interestedOps)
            append(", waiting ").append(selectable.suspensions).append(')')
        }
        val everyone = synchronized(lock) { sessions.values.toList() }
        append("; ").append(everyone.size).append(" sessions\n")
        for (session in everyone) append("  ").append(session.describe(now)).append('\n')
    }

    /** Suspends until the server is closed. */
    public suspend fun awaitClosed() {
        scope.coroutineContext.job.join()
    }

    /**
     * Stops gracefully: stops accepting, tells every client the server is shutting down, and
     * gives their queues up to [grace] to go out before [close] disconnects whoever is left.
     * Blocks until done; call it from outside a coroutine (a shutdown hook, say).
     */
    public fun shutdown(grace: Duration) {
        closing = true
        if (listener?.closeAndAwaitRelease() == false) report("the listener was not released within 5s of closing it")
        val everyone = synchronized(lock) {
            shuttingDown = true
            sessions.values.toList()
        }
        everyone.forEach { it.end(Farewell("* the server is shutting down; bye", null)) }
        runBlocking {
            withTimeoutOrNull(grace) { scope.coroutineContext.job.children.forEach { it.join() } }
        }
        close()
    }

    /** Disconnects every client, stops accepting and frees the port. Call it from outside a coroutine. */
    override fun close() {
        closing = true
        listener?.close()
        scope.cancel()
        runBlocking { scope.coroutineContext.job.join() }
        selector.close()
        threads.close()
    }

    private suspend fun acceptLoop(listener: ServerSocket) {
        val failures = AcceptFailures(::report)
        while (scope.isActive) {
            // Null once closed, or once the listener is lost (logged); the clients here stay.
            val socket = listener.acceptOrNull(failures) { closing } ?: return
            accepted.incrementAndGet()
            lastAcceptNanos = System.nanoTime()
            scope.launch { serve(socket) }
        }
    }

    private suspend fun serve(socket: Socket) {
        socket.use {
            val session = Session(socket)
            if (!admit(session)) {
                withTimeoutOrNull(1.seconds) {
                    socket.sendFrom(encode("error: the server is full (${limits.maxClients} clients); try again later"))
                }
                return
            }
            report("${session.name} joined from ${socket.remoteAddress}")
            try {
                session.run()
            } finally {
                // Normally run() has already said goodbye; this covers the server closing.
                synchronized(lock) { if (sessions[session.name] === session) sessions.remove(session.name) }
            }
        }
    }

    /** Registers a new client under a fresh guest name, tells the others, and welcomes it. */
    private fun admit(session: Session): Boolean {
        synchronized(lock) {
            if (sessions.size >= limits.maxClients) return false
            var name: String
            do {
                name = "guest${++guests}"
            } while (name in sessions)
            session.name = name
            broadcastLocked(session, encode("* $name joined"))
            sessions[name] = session
            session.offer(
                encode("* welcome, $name (${sessions.size} here). /nick name to rename, /who to list, /quit to leave"),
            )
            return true
        }
    }

    /** Sends [line] to every client but [from], all from one view. */
    private fun broadcast(from: Session, line: String) {
        val view = encode(line)
        synchronized(lock) { broadcastLocked(from, view) }
    }

    private fun broadcastLocked(from: Session?, view: ByteView) {
        for (session in sessions.values) {
            if (session !== from) session.offer(view)
        }
    }

    private fun rename(session: Session, wanted: String) {
        val error = nickError(wanted)
        if (error != null) return session.offer(encode(error))
        val old = session.name
        synchronized(lock) {
            when {
                wanted == old -> return session.offer(encode("* you are already $old"))
                wanted in sessions -> return session.offer(encode("error: the nick '$wanted' is in use"))
                else -> {
                    sessions.remove(old)
                    sessions[wanted] = session
                    session.name = wanted
                    broadcastLocked(session, encode("* $old is now $wanted"))
                    session.offer(encode("* you are now $wanted"))
                }
            }
        }
        report("$old is now $wanted")
    }

    private fun nickError(wanted: String): String? = when {
        wanted.isEmpty() -> "error: empty nick; usage: /nick name"
        wanted.length > MAX_NICK -> "error: a nick has at most $MAX_NICK characters; '$wanted' has ${wanted.length}"
        wanted.any { it.isWhitespace() || it.isISOControl() || it == ':' || Character.getType(it) == Character.FORMAT.toInt() } ->
            "error: a nick may not contain spaces, ':', control or invisible formatting characters"
        wanted.lowercase() in RESERVED_NICKS -> "error: '$wanted' is reserved for the server's own lines"
        else -> null
    }

    private fun depart(session: Session, reason: String?) {
        val line = "* ${session.name} left" + (reason?.let { " ($it)" } ?: "")
        synchronized(lock) {
            if (sessions[session.name] === session) sessions.remove(session.name)
            if (!shuttingDown) broadcastLocked(session, encode(line))
        }
        report(line.removePrefix("* "))
    }

    private fun report(line: String) {
        log?.println(line)
        log?.flush()
    }

    /** Why a client leaves: what it is told last, what the others are told, and whether its queue is dropped. */
    private class Farewell(val notice: String?, val reason: String?, val dropQueue: Boolean = false)

    /** One connected client: a reading coroutine, a writing coroutine and the queue between broadcasts and the writer. */
    private inner class Session(private val socket: Socket) {

        /** The client's name; changed only under the server's lock, by the client's own reader. */
        @Volatile
        var name: String = ""

        private val outbox = Channel<ByteView>(Channel.UNLIMITED)
        private val queuedBytes = AtomicLong()
        private val queuedLines = AtomicInteger()
        private val sentLines = AtomicLong()

        /** When the write under way started, or 0 between writes. */
        @Volatile
        private var writingSince = 0L
        private val farewell = CompletableDeferred<Farewell>()
        private val decoder = UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT)

        /**
         * Queues [view] for this client without ever waiting. If that would put more than
         * the limit in its queue, the view is not queued and the client is disconnected.
         */
        fun offer(view: ByteView) {
            if (farewell.isCompleted) return
            val size = queuedCost(view)
            if (queuedBytes.addAndGet(size) > limits.maxQueueBytes) {
                queuedBytes.addAndGet(-size)
                farewell.complete(
                    Farewell(
                        "error: more than ${limits.maxQueueBytes} bytes are waiting for you to read them; disconnecting",
                        "too slow",
                        dropQueue = true,
                    ),
                )
                return
            }
            queuedLines.incrementAndGet()
            outbox.trySend(view)
        }

        /** One line for [diagnostics]. */
        fun describe(now: Long): String {
            val since = writingSince
            return "$name from ${socket.remoteAddress}: ${queuedLines.get()} lines (${queuedBytes.get()} bytes) queued, " +
                "${sentLines.get()} sent, " + (if (since == 0L) "not writing" else "writing for ${(now - since) / 1_000_000} ms") +
                ", socket ${(socket as? Selectable)?.let { "interest ${it.interestedOps}, waiting ${it.suspensions}" } ?: "?"}" +
                (if (farewell.isCompleted) ", leaving" else "")
        }

        /** Ends the session as [bye] says, unless it is ending already. */
        fun end(bye: Farewell) {
            farewell.complete(bye)
        }

        /** Serves the client until it leaves or is disconnected, then says goodbye on both sides. */
        suspend fun run() = coroutineScope {
            val writer = launch { writeLoop() }
            val reader = launch { farewell.complete(readLoop()) }
            val bye = farewell.await()
            reader.cancelAndJoin()
            depart(this@Session, bye.reason)
            if (bye.dropQueue) {
                while (true) {
                    val dropped = outbox.tryReceive().getOrNull() ?: break
                    queuedBytes.addAndGet(-queuedCost(dropped))
                    queuedLines.decrementAndGet()
                }
            }
            bye.notice?.let {
                queuedLines.incrementAndGet()
                outbox.trySend(encode(it))
            }
            outbox.close()
            // A client that does not read may never take its last lines; it gets a grace period.
            if (withTimeoutOrNull(limits.closeGrace) { writer.join() } == null) writer.cancelAndJoin()
        }

        private suspend fun writeLoop() {
            val batch = ArrayList<ByteView>(MAX_BATCH)
            try {
                for (first in outbox) {
                    batch += first
                    while (batch.size < MAX_BATCH) batch += outbox.tryReceive().getOrNull() ?: break
                    // One gathering write for everything queued: the views go out as they are.
                    writingSince = System.nanoTime()
                    socket.sendFrom(batch)
                    writingSince = 0L
                    queuedBytes.addAndGet(-batch.sumOf(::queuedCost))
                    queuedLines.addAndGet(-batch.size)
                    sentLines.addAndGet(batch.size.toLong())
                    batch.clear()
                }
            } catch (failed: IOException) {
                farewell.complete(Farewell(null, "connection lost"))
            }
        }

        private suspend fun readLoop(): Farewell {
            val lines = LineReader(socket, limits.maxLine)
            while (true) {
                val read = try {
                    lines.next()
                } catch (failed: IOException) {
                    return Farewell(null, "connection lost")
                }
                when (read) {
                    // An unfinished line is dropped: it never became a message.
                    is Read.End -> return Farewell(null, null)
                    is Read.TooLong -> return Farewell(
                        "error: line longer than ${read.limit} bytes; disconnecting",
                        "line too long",
                    )
                    is Read.Line -> handle(read)?.let { return it }
                }
                // recvSome does not suspend while bytes are waiting, so a client that floods
                // would otherwise keep this thread from the writers that drain everyone's queues.
                yield()
            }
        }

        /** Acts on one line; returns why the client leaves if it asked to. */
        private fun handle(line: Read.Line): Farewell? {
            val text = decode(line) ?: return null
            when {
                text.isBlank() -> {}
                text == "/quit" -> return Farewell("* bye", null)
                text == "/nick" || text.startsWith("/nick ") -> rename(this, text.removePrefix("/nick").trim())
                text == "/who" -> names().let { reply("* here (${it.size}): " + it.joinToString(", ")) }
                text == "/help" -> reply(HELP)
                text.startsWith("/") -> reply("error: unknown command ${text.substringBefore(' ')}; /help lists them")
                else -> broadcast(this, "$name: $text")
            }
            return null
        }

        /** Returns the line as text, or null after telling the client why it is refused. */
        private fun decode(line: Read.Line): String? {
            val input = ByteBuffer.wrap(line.bytes, line.offset, line.length)
            val text = try {
                decoder.reset().decode(input).toString()
            } catch (invalid: CharacterCodingException) {
                reply(
                    "error: line is not valid UTF-8 (byte ${input.position() - line.offset} of ${line.length}); not sent",
                )
                return null
            }
            // Control characters would reach other people's terminals: escape sequences, bells.
            val control = text.indexOfFirst { it.isISOControl() && it != '\t' }
            if (control >= 0) {
                reply("error: control character 0x%02x at character %d; not sent".format(text[control].code, control))
                return null
            }
            return text
        }

        private fun reply(line: String) = offer(encode(line))
    }

    internal companion object {
        const val MAX_NICK = 32

        /**
         * What one queued line costs beyond its bytes: the view that shares them and the
         * queue's node, about 64 bytes of heap. Without it a flood of one-character lines
         * held 20 times the queue limit in heap.
         */
        const val ENTRY_OVERHEAD = 64L

        /** What [view] counts against a client's queue limit: its bytes and [ENTRY_OVERHEAD]. */
        fun queuedCost(view: ByteView): Long = view.size() + ENTRY_OVERHEAD

        /** Nicks that would make a message line look like one of the server's own ("error: ...", "* ..."). */
        val RESERVED_NICKS = setOf("error", "*", "server")
        const val MAX_BATCH = 64
        const val HELP = "* commands: /nick name (rename), /who (list), /quit (leave); any other line is sent to everyone"

        /** Encodes one protocol line, ending in `\r\n`, into a read-only view to be shared by every recipient. */
        fun encode(line: String): ByteView = ByteView.wrap("$line\r\n".toByteArray(UTF_8)).readOnly()
    }
}
