package dev.zerocopy.samples.stream

import dev.zerocopy.FileOptions
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.samples.AcceptFailures
import dev.zerocopy.samples.acceptOrNull
import dev.zerocopy.samples.closeAndAwaitRelease
import dev.zerocopy.samples.serverThreads
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.isClosed
import io.ktor.network.sockets.openReadChannel
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Job
import kotlinx.coroutines.NonCancellable
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.io.IOException
import java.net.StandardSocketOptions
import java.nio.channels.SocketChannel
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * Settings of a [StreamServer]: set them before [StreamServer.start], which keeps this object.
 *
 * @property root the directory whose files are served
 */
public class StreamConfig(public val root: Path) {
    /** The address to listen on; loopback unless told otherwise. */
    public var host: String = "127.0.0.1"

    /** The port to listen on; 0 picks a free one, which [StreamServer.port] reports. */
    public var port: Int = 0

    /** Whether to load the files into direct memory at start-up and serve slices of them. */
    public var cache: Boolean = false

    /** The most bytes the cache holds; larger files stay on disk. */
    public var cacheLimit: Long = 1L shl 30

    /** The most bytes all live streams may preallocate together; a `PUT` past it is 413. */
    public var liveLimit: Long = 256L shl 20

    /** The most live streams at once; a `PUT` that would create one more is 413. */
    public var maxLiveStreams: Int = LiveStreams.DEFAULT_MAX_STREAMS

    /** How file bodies go out: zero-copy, the copy loop, or the library's choice (the default). */
    public var fileOptions: FileOptions = FileOptions.defaults()

    /** How long a keep-alive connection may wait for its next request head to arrive. */
    public var idleTimeout: Duration = Duration.ofSeconds(30)

    /**
     * How long a body may make no progress before the connection is dropped: a response whose
     * client takes no byte, an upload of which no byte arrives, for that long. A slow body that
     * keeps moving is never cut, however long it takes in all (the library's
     * [dev.zerocopy.Progress] idle timeout).
     */
    public var stallTimeout: Duration = Duration.ofSeconds(60)

    /** The most connections served at once; more are answered 503 and closed. */
    public var maxConnections: Int = 4096

    /** Whether to log one line per request (SLF4J logger `dev.zerocopy.samples.stream.access`). */
    public var accessLog: Boolean = true
}

/**
 * A small HTTP/1.1 media server on Ktor raw sockets and the zerocopy adapter: `GET` and
 * `HEAD` with single byte ranges for the files under a root, an optional in-memory cache,
 * and live streams that `PUT` chunks into preallocated memory at their offsets.
 *
 * Each connection has one owner per direction: requests are read through the socket's
 * Ktor read channel and ktor-http-cio's parser; responses go out through the adapter on the
 * socket itself (`sendFrom` for heads and memory, `sendFile` for files), never through
 * Ktor's write channel.
 *
 * **Threads.** The connections run on a pool of the server's own (a thread per core, at
 * least two) and Ktor's selector loop on the two threads of a `SocketFutures.selectorManager()`;
 * [close] stops both.
 *
 * Start it with [start]; [close] stops accepting, ends every connection and closes the
 * selector. Thread-safe.
 */
public class StreamServer private constructor(
    private val config: StreamConfig,
    private val selector: SelectorManager,
    private val listener: ServerSocket,
    private val contentRoot: ContentRoot,
    private val cache: FileCache,
) : AutoCloseable {

    private val job = SupervisorJob()
    /** The connections' coroutines run on threads of the server's own ([serverThreads]). */
    private val threads = serverThreads("stream")
    private val scope = CoroutineScope(job + threads + CoroutineName("stream-server"))
    private val exchanges = Exchanges(config, contentRoot, cache, LiveStreams(config.liveLimit, config.maxLiveStreams))
    /** Open connections and their coroutines. */
    private val connections = ConcurrentHashMap<Socket, Job>()

    /** The connections inside an exchange now (a head arrived, the response is not done). */
    private val busy: MutableSet<Socket> = ConcurrentHashMap.newKeySet()
    private val accepted = AtomicLong()
    private val ended = AtomicLong()
    private val open = AtomicInteger()
    private val closed = AtomicBoolean()
    private val stopped = CountDownLatch(1)
    private val connectionEnded = ReentrantLock()
    private val fewerConnections = connectionEnded.newCondition()

    /** The port the server listens on. */
    public val port: Int = (listener.localAddress as InetSocketAddress).port

    /** The server's base address, e.g. `http://127.0.0.1:8080`. */
    public val baseUrl: String
        get() = "http://${if (config.host.contains(':')) "[${config.host}]" else config.host}:$port"

    /** The real path of the directory served. */
    public val root: Path get() = contentRoot.realRoot

    /** The number of files the cache holds (0 without `--cache`). */
    public val cachedFiles: Int get() = cache.fileCount

    /** The bytes the cache holds. */
    public val cachedBytes: Long get() = cache.byteCount

    /** The requests answered so far, errors included. */
    public fun requestCount(): Long = exchanges.requests.get()

    /** The body bytes sent so far (heads not counted). */
    public fun bodyBytesSent(): Long = exchanges.bodyBytesSent.get()

    /** The connections accepted so far. */
    public fun connectionsAccepted(): Long = accepted.get()

    /** The connections open now. */
    public fun openConnections(): Int = open.get()

    /**
     * Blocks until at most [count] connections are open (the server noticed the others end)
     * or [timeout] passed.
     *
     * @return whether the count was reached in time
     */
    public fun awaitOpenConnections(count: Int, timeout: Duration): Boolean {
        var left = timeout.toNanos()
        connectionEnded.withLock {
            while (open.get() > count) {
                if (left <= 0) return false
                left = fewerConnections.awaitNanos(left)
            }
        }
        return true
    }

    /**
     * Blocks until [count] connections have ended since the server started, or [timeout]
     * passed. Unlike waiting for zero open connections, this cannot succeed before a
     * connection was even accepted.
     *
     * @return whether that many had ended in time
     */
    public fun awaitConnectionsEnded(count: Long, timeout: Duration): Boolean {
        var left = timeout.toNanos()
        connectionEnded.withLock {
            while (ended.get() < count) {
                if (left <= 0) return false
                left = fewerConnections.awaitNanos(left)
            }
        }
        return true
    }

    /** Whether the listener or the selector is still open; false once [close] returns. */
    public fun isRunning(): Boolean = !listener.isClosed || selector.coroutineContext.job.isActive

    private fun acceptLoop() = scope.launch(CoroutineName("accept")) {
        val failures = AcceptFailures { log.warn(it) }
        while (isActive) {
            // Null once closed, or once the listener is lost (logged); the connections open stay.
            val socket = listener.acceptOrNull(failures) { closed.get() || exchanges.draining.get() } ?: break
            accepted.incrementAndGet()
            open.incrementAndGet()
            // Undispatched: the connection runs at once, up to its first suspension. Dispatched
            // instead, a new connection's coroutine waited behind the busy ones for up to 2.8 s
            // under a 200-connection load (measured), so its first request did too.
            launch(CoroutineName("connection"), start = CoroutineStart.UNDISPATCHED) {
                connections[socket] = coroutineContext.job
                try {
                    if (open.get() > config.maxConnections) exchanges.refuse(socket, socket.remoteAddress.toString()) else serve(socket)
                } catch (cancelled: CancellationException) {
                    throw cancelled
                } catch (failed: Exception) {
                    log.debug("connection from {} ended: {}", socket.remoteAddress, failed.toString())
                } catch (failed: Error) {
                    // Each connection is a child of the accept loop: an Error escaping here (out of
                    // direct memory, say) would cancel the loop and every other connection.
                    log.warn("connection from {} failed: {}", socket.remoteAddress, failed.toString())
                } finally {
                    socket.close()
                    withContext(NonCancellable) { withTimeoutOrNull(5.seconds) { socket.socketContext.join() } }
                    connections.remove(socket)
                    busy.remove(socket)
                    open.decrementAndGet()
                    ended.incrementAndGet()
                    connectionEnded.withLock { fewerConnections.signalAll() }
                }
            }
        }
    }

    private suspend fun serve(socket: Socket) {
        // Heads and bodies go out in separate writes: without TCP_NODELAY, a small body
        // would wait for the peer's delayed ACK of the head (40 ms on Linux).
        ((socket as? Selectable)?.channel as? SocketChannel)?.setOption(StandardSocketOptions.TCP_NODELAY, true)
        val peer = socket.remoteAddress.toString()
        val input = socket.openReadChannel()
        val idle = config.idleTimeout.toKotlinDuration()
        while (!exchanges.draining.get()) {
            val keepAlive = try {
                exchanges.next(socket, input, peer, idle) { busy.add(socket) }
            } finally {
                busy.remove(socket)
            }
            if (!keepAlive) return
        }
    }

    /**
     * Stops the server gracefully: closes the listener, so nothing new is accepted; ends the
     * connections that wait between requests; lets the exchanges in progress finish (each
     * response then says `Connection: close`) for up to [grace]; then [close]s, ending
     * whatever is left. Blocks until done. Idempotent, like [close].
     */
    public fun shutdown(grace: Duration) {
        if (closed.get() || !exchanges.draining.compareAndSet(false, true)) return close()
        if (!listener.closeAndAwaitRelease()) log.warn("the listener was not released within 5s of closing it")
        for ((socket, connection) in connections) {
            if (socket !in busy) connection.cancel()
        }
        val drained = awaitOpenConnections(0, grace)
        if (!drained) log.warn("{} connections were still busy after the {} grace period; closing them", open.get(), grace)
        close()
    }

    /**
     * Stops the server: closes the listener, cancels every connection (closing its socket)
     * and waits for them, then closes the selector. Idempotent.
     */
    override fun close() {
        if (!closed.compareAndSet(false, true)) return
        try {
            listener.close()
            scope.cancel()
            runBlocking {
                withTimeoutOrNull(10.seconds) { job.join() }
                selector.close()
                // The selector's loop runs under its manager's job, which closing completes once
                // the loop has ended (each socket's own coroutines end under the socket's job,
                // which every connection waits for as it ends).
                withTimeoutOrNull(10.seconds) { selector.coroutineContext.job.join() }
            }
            threads.close()
            val left = connections.size
            if (left > 0) log.warn("{} connections were still open after stopping", left)
        } finally {
            stopped.countDown()
        }
    }

    /** Blocks until [close] has finished, for a command that serves until it is stopped. */
    public fun awaitClose() {
        stopped.await()
    }

    /** Blocks until [close] has finished or [timeout] passed; returns whether it finished. */
    public fun awaitClose(timeout: Duration): Boolean = stopped.await(timeout.toNanos(), TimeUnit.NANOSECONDS)

    public companion object {
        private val log = LoggerFactory.getLogger(StreamServer::class.java)

        /**
         * Starts a server with [config]: loads the cache if asked, binds, and accepts in the
         * background. Blocks only while binding and loading the cache.
         *
         * @throws IOException if the root cannot be read or the address cannot be bound
         * @throws IllegalArgumentException if the root is not a directory
         */
        @JvmStatic
        public fun start(config: StreamConfig): StreamServer {
            AcceptFailures.warmClosePath()
            val root = ContentRoot(config.root)
            val cache = if (config.cache) FileCache.load(root, config.cacheLimit) else FileCache.NONE
            // Ktor's selector loop on threads of its own (Ktor runs the sockets' read-channel
            // coroutines on Dispatchers.IO whatever the manager).
            val selector = SocketFutures.selectorManager()
            val listener = try {
                runBlocking { aSocket(selector).tcp().bind(InetSocketAddress(config.host, config.port)) { backlogSize = 1024 } }
            } catch (failed: Throwable) {
                selector.close()
                throw failed
            }
            return StreamServer(config, selector, listener, root, cache).also { it.acceptLoop() }
        }
    }
}
