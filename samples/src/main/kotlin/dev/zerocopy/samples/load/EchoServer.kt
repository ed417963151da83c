package dev.zerocopy.samples.load

import dev.zerocopy.EndOfStreamException
import dev.zerocopy.ViewPool
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.recvFrame
import dev.zerocopy.ktor.sendFrame
import dev.zerocopy.samples.AcceptFailures
import dev.zerocopy.samples.acceptOrNull
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.isClosed
import io.ktor.network.sockets.toJavaAddress
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.isActive
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.io.IOException
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.LongAdder
import java.util.function.Consumer

/**
 * A frame echo server on Ktor raw sockets and the zerocopy adapter, the other end of
 * `load --mode echo`: each connection receives frames (8-byte big-endian length, then the
 * payload) with `recvFrame` into a view from one shared [ViewPool] and sends each back
 * with `sendFrame` from the same view, until the client closes. A coroutine per
 * connection, no thread each; the pool bounds the payload memory of all connections
 * together, so ten thousand idle connections hold none.
 *
 * Thread-safe; [close] stops it.
 *
 * @property port the port it listens on
 */
public class EchoServer private constructor(
    private val selector: SelectorManager,
    private val listener: ServerSocket,
    private val maxFrame: Int,
    private val pool: ViewPool,
    private val log: Consumer<String>,
) : AutoCloseable {
    public val port: Int = (listener.localAddress as InetSocketAddress).port

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("echo"))
    private val accepted = LongAdder()
    private val frames = LongAdder()
    private val bytes = LongAdder()
    private val open = AtomicInteger()
    private val bySource = ConcurrentHashMap<String, LongAdder>()

    // Ktor's ServerSocket may not report isClosed at once after close(); this does.
    @Volatile
    private var closing = false

    /** Connections accepted so far. */
    public fun connectionsAccepted(): Long = accepted.sum()

    /** Connections open now. */
    public fun openConnections(): Int = open.get()

    /** Frames received and sent back whole so far. */
    public fun framesEchoed(): Long = frames.sum()

    /** Payload bytes of those frames (headers not counted). */
    public fun bytesEchoed(): Long = bytes.sum()

    /** Connections accepted so far, by the client's address (`127.0.0.2`, say). */
    public fun connectionsBySource(): Map<String, Long> = bySource.mapValues { it.value.sum() }.toSortedMap()

    private fun acceptLoop() = scope.launch(CoroutineName("accept")) {
        val failures = AcceptFailures { log.accept(it) }
        while (isActive) {
            // Null once closed, or once the listener is lost (logged); the connections open stay.
            val socket = listener.acceptOrNull(failures) { closing } ?: return@launch
            accepted.increment()
            val remote = socket.remoteAddress.toJavaAddress()
            val peer = (remote as? java.net.InetSocketAddress)?.address?.hostAddress ?: remote.toString()
            bySource.computeIfAbsent(peer) { LongAdder() }.increment()
            open.incrementAndGet()
            scope.launch { echo(socket) }
        }
    }

    private suspend fun echo(socket: Socket) {
        try {
            socket.use {
                while (true) {
                    socket.recvFrame(maxFrame, pool).use { frame ->
                        socket.sendFrame(frame)
                        frames.increment()
                        bytes.add(frame.size())
                    }
                }
            }
        } catch (left: EndOfStreamException) {
            // The client closed the connection, between frames or inside one.
        } catch (failed: IOException) {
            // Reset, a frame over the limit, or closed by close(): this connection ends, the others go on.
        } finally {
            open.decrementAndGet()
        }
    }

    /** Stops accepting, closes every connection and frees the port. Call it from outside a coroutine. */
    override fun close() {
        closing = true
        listener.close()
        scope.cancel()
        runBlocking { scope.coroutineContext.job.join() }
        selector.close()
    }

    public companion object {
        /**
         * Starts a server on [host]:[port] (0 for any free port).
         *
         * @param maxFrame the largest payload accepted; a larger frame ends its connection
         * @param poolBytes the direct memory all frames in flight may hold together
         * @param log where accept failures are reported
         * @throws IOException if the address cannot be bound
         */
        @JvmStatic
        @JvmOverloads
        public fun start(host: String, port: Int, maxFrame: Int, poolBytes: Long, log: Consumer<String> = Consumer(System.err::println)): EchoServer {
            require(maxFrame in 0..poolBytes) { "maxFrame $maxFrame must be from 0 to the pool's $poolBytes bytes" }
            AcceptFailures.warmClosePath()
            val selector = SocketFutures.selectorManager()
            val listener = try {
                runBlocking { aSocket(selector).tcp().bind(host, port) { reuseAddress = true; backlogSize = 4096 } }
            } catch (failed: Throwable) {
                selector.close()
                throw failed
            }
            return EchoServer(selector, listener, maxFrame, ViewPool(poolBytes), log).also { it.acceptLoop() }
        }
    }
}
