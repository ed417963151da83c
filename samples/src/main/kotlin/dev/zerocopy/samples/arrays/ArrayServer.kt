package dev.zerocopy.samples.arrays

import dev.zerocopy.ByteView
import dev.zerocopy.Frames
import dev.zerocopy.ZeroCopy
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.sendFrom
import dev.zerocopy.samples.AcceptFailures
import dev.zerocopy.samples.acceptOrNull
import dev.zerocopy.samples.closeAndAwaitRelease
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.CoroutineName
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.cancel
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import java.io.IOException
import java.io.PrintWriter
import java.net.InetSocketAddress
import java.net.StandardSocketOptions
import java.nio.channels.ClosedChannelException
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.util.concurrent.ConcurrentLinkedQueue
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicInteger
import kotlin.concurrent.thread
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toJavaDuration

/**
 * A listening server that sends one array to every client that connects: `repeat`
 * times per connection, raw or framed as its [Wire] says, then closes the connection.
 * Every client is sent the same read-only view; nothing is copied per client.
 *
 * Start one with [start]; it listens as soon as [start] returns, so [port] is
 * already bound (pass port 0 to let the system choose). Closing it stops
 * accepting and ends the transfers in progress; [shutdown] lets them finish first.
 */
public interface ArrayServer : AutoCloseable {

    /** The port the server listens on. */
    public val port: Int

    /**
     * Waits until the server has handled its number of connections (or, serving
     * until closed, until it is closed) and every transfer has ended.
     *
     * @return how many connections received everything they were sent
     */
    public fun awaitServed(): Int

    /**
     * Stops the server gracefully: closes the listener at once, so nothing new is accepted
     * (connecting is refused); lets the transfers in progress finish for up to [grace]; then
     * [close]s, ending whatever is left. Blocks until done. Idempotent, like [close].
     */
    public fun shutdown(grace: Duration)

    /**
     * Stops accepting, ends the transfers in progress and releases the listening socket.
     * Called while a [shutdown] is in progress, it waits for that to end instead. Idempotent.
     */
    override fun close()

    public companion object {
        /**
         * Binds a server on [host]:[port] and starts accepting at once.
         *
         * @param data the view every client is sent (sent as is: use a read-only view)
         * @param engine the blocking core (a thread per connection) or the Ktor adapter (coroutines)
         * @param repeat transfers per connection
         * @param connections how many connections to serve, 0 for as many as come until closed
         * @param log where to report each connection, or null to stay quiet
         * @param stallTimeout how long a send may make no progress (no 1 MiB slice of the
         *   array accepted by the client) before that client is dropped
         * @throws IOException if the address cannot be bound
         */
        public fun start(
            data: ByteView,
            wire: Wire,
            engine: Engine,
            host: String,
            port: Int,
            repeat: Int = 1,
            connections: Int = 0,
            log: PrintWriter? = null,
            stallTimeout: Duration = DEFAULT_STALL_TIMEOUT,
        ): ArrayServer {
            require(repeat >= 1) { "repeat must be >= 1, was $repeat" }
            require(connections >= 0) { "connections must be >= 0, was $connections" }
            require(stallTimeout > Duration.ZERO) { "stallTimeout must be positive, was $stallTimeout" }
            val shipment = Shipment(data, wire, repeat, log, stallTimeout)
            AcceptFailures.warmClosePath()
            return when (engine) {
                Engine.CORE -> CoreArrayServer(shipment, connections, InetSocketAddress(host, port))
                Engine.KTOR -> KtorArrayServer(shipment, connections, host, port)
            }
        }
    }
}

/** What each connection is sent, and the count of connections that got all of it. */
internal class Shipment(
    val data: ByteView,
    val wire: Wire,
    val repeat: Int,
    private val log: PrintWriter?,
    val stallTimeout: Duration = DEFAULT_STALL_TIMEOUT,
) {

    /** The frame header, for the framed wire. */
    val header: ByteView = Frames.header(data.size()).readOnly()

    /** The array in slices of [STALL_SLICE_BYTES]: each must go out within the stall timeout. */
    val slices: List<ByteView> =
        (0L until data.size() step STALL_SLICE_BYTES.toLong()).map { data.slice(it, minOf(it + STALL_SLICE_BYTES, data.size())) }

    val served = AtomicInteger()

    /** Connections being sent to right now. */
    val inProgress = AtomicInteger()

    /** Sends the array [repeat] times, each time through [sendOnce], and reports the outcome; true if all of it went. */
    inline fun serveOne(peer: Any?, sendOnce: () -> Unit): Boolean {
        val start = System.nanoTime()
        inProgress.incrementAndGet()
        return try {
            repeat(repeat) { sendOnce() }
            val nanos = System.nanoTime() - start
            val bytes = data.size() * repeat
            report("sent ${grouped(bytes)} bytes ($wire) to $peer in ${seconds(nanos)}: ${gibPerSecond(bytes, nanos)}")
            served.incrementAndGet()
            true
        } catch (failed: IOException) {
            // A client that hangs up early is an everyday event for a server, not a crash.
            report("client $peer left before receiving everything: ${failed.message}")
            false
        } finally {
            inProgress.decrementAndGet()
        }
    }

    fun report(line: String) {
        log?.println(line)
        log?.flush()
    }
}

/**
 * The stopping half every engine shares: [shutdown] closes the listener, waits up to the grace
 * period for the transfers in progress ([drain]), then stops for good ([stop], run once); a
 * [close] during a shutdown waits for it rather than cutting the transfers it lets finish.
 */
private abstract class StoppableArrayServer(protected val shipment: Shipment) : ArrayServer {
    private val draining = AtomicBoolean()
    private val stopping = AtomicBoolean()
    private val stopped = CountDownLatch(1)

    /** Closes the listener and returns once the kernel refuses new connections. */
    protected abstract fun stopAccepting()

    /** Waits up to [grace] for the accept loop and every transfer to end. */
    protected abstract fun drain(grace: Duration)

    /** Ends the transfers left, the accept loop and the listener; blocks until they have ended. */
    protected abstract fun stop()

    final override fun shutdown(grace: Duration) {
        if (!draining.compareAndSet(false, true) || stopping.get()) return stopped.await()
        try {
            stopAccepting()
            shipment.report("stopped accepting; ${shipment.inProgress.get()} transfer(s) in progress get up to $grace to finish")
            drain(grace)
            val left = shipment.inProgress.get()
            if (left > 0) shipment.report("$left transfer(s) still in progress after the $grace shutdown grace; closing them")
        } finally {
            stopOnce()
        }
    }

    final override fun close() {
        if (draining.get()) stopped.await() else stopOnce()
    }

    private fun stopOnce() {
        if (!stopping.compareAndSet(false, true)) return stopped.await()
        try {
            stop()
        } finally {
            stopped.countDown()
        }
    }
}

/** The default for how long a transfer may make no progress before the peer is dropped. */
internal val DEFAULT_STALL_TIMEOUT: Duration = 30.seconds

/** The slices a transfer is sent and received in, each under the stall timeout. */
internal const val STALL_SLICE_BYTES: Int = 1 shl 20

/** Blocking NIO: an accepting thread and one sending thread per connection. */
private class CoreArrayServer(
    shipment: Shipment,
    private val connections: Int,
    address: InetSocketAddress,
) : StoppableArrayServer(shipment) {

    private val listener: ServerSocketChannel = ServerSocketChannel.open().apply {
        // A restarted server must not wait for the previous run's TIME_WAIT sockets on the same port.
        setOption(StandardSocketOptions.SO_REUSEADDR, true)
        try {
            bind(address)
        } catch (failed: IOException) {
            close()
            throw failed
        }
    }

    override val port: Int = (listener.localAddress as InetSocketAddress).port

    private val senders = ConcurrentLinkedQueue<Thread>()

    private val acceptor: Thread = thread(name = "arrays-serve-accept", isDaemon = true) { acceptLoop() }

    private fun acceptLoop() {
        var accepted = 0
        val failures = AcceptFailures(shipment::report)
        try {
            listener.use {
                while (connections == 0 || accepted < connections) {
                    val client = try {
                        listener.accept()
                    } catch (closed: ClosedChannelException) {
                        throw closed
                    } catch (failed: IOException) {
                        // Out of file descriptors, typically: back off and keep the listener.
                        Thread.sleep(failures.failed(failed))
                        continue
                    }
                    failures.accepted()
                    accepted++
                    senders += thread(name = "arrays-serve-$accepted", isDaemon = true) { client.use(::send) }
                }
            }
        } catch (closed: ClosedChannelException) {
            // close() closes the listener to stop accept(); that is how serving ends.
        } catch (interrupted: InterruptedException) {
            // Interrupted while backing off: serving ends as if closed.
        }
    }

    private fun send(client: SocketChannel) {
        val stall = shipment.stallTimeout.toJavaDuration()
        // The core's timeouts wait for readiness, which needs a non-blocking channel.
        client.configureBlocking(false)
        shipment.serveOne(client.remoteAddress) {
            if (shipment.wire == Wire.FRAMED) ZeroCopy.sendFrom(client, shipment.header, stall)
            for (slice in shipment.slices) ZeroCopy.sendFrom(client, slice, stall)
        }
    }

    override fun awaitServed(): Int {
        acceptor.join()
        senders.forEach(Thread::join)
        return shipment.served.get()
    }

    override fun stopAccepting() {
        listener.close()
        // The kernel keeps listening until the accepting thread leaves accept(): the close only
        // signals it, and the socket is released on its way out. Until then a connect succeeds.
        acceptor.interrupt()
        acceptor.join()
    }

    override fun drain(grace: Duration) {
        val deadline = System.nanoTime() + grace.inWholeNanoseconds
        for (thread in listOf(acceptor) + senders) {
            val left = deadline - System.nanoTime()
            if (left <= 0) break
            thread.join(TimeUnit.NANOSECONDS.toMillis(left).coerceAtLeast(1))
        }
    }

    override fun stop() {
        listener.close()
        acceptor.join()
        // A blocked write ends with AsynchronousCloseException when its channel is closed by
        // another thread; interrupting does exactly that for the channel the sender writes.
        senders.forEach(Thread::interrupt)
        senders.forEach(Thread::join)
    }
}

/** The Ktor adapter: an accepting coroutine and one sending coroutine per connection. */
private class KtorArrayServer(
    shipment: Shipment,
    private val connections: Int,
    host: String,
    port: Int,
) : StoppableArrayServer(shipment) {

    private val selector = SocketFutures.selectorManager()

    private val listener: ServerSocket = try {
        runBlocking { aSocket(selector).tcp().bind(host, port) { reuseAddress = true } }
    } catch (failed: IOException) {
        selector.close()
        throw failed
    }

    override val port: Int = (listener.localAddress as io.ktor.network.sockets.InetSocketAddress).port

    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default + CoroutineName("arrays-serve"))

    /** Set before this server closes its listener, which Ktor may report as closed only a moment later. */
    @Volatile
    private var closing = false

    private val acceptor = scope.launch {
        listener.use {
            coroutineScope {
                var accepted = 0
                val failures = AcceptFailures(shipment::report)
                while (connections == 0 || accepted < connections) {
                    // Null once closed by shutdown, or once the listener is lost (logged): the
                    // transfers in progress go on, and this scope waits for them.
                    val client = listener.acceptOrNull(failures) { closing } ?: return@coroutineScope
                    accepted++
                    launch {
                        client.use { socket ->
                            shipment.serveOne(socket.remoteAddress) {
                                val stall = shipment.stallTimeout
                                val views = if (shipment.wire == Wire.FRAMED) listOf(shipment.header) + shipment.slices else shipment.slices
                                for (view in views) {
                                    withTimeoutOrNull(stall) { socket.sendFrom(view) }
                                        ?: throw IOException("no progress for $stall: a ${view.size()}-byte slice did not go out")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    override fun awaitServed(): Int {
        runBlocking { acceptor.join() }
        return shipment.served.get()
    }

    override fun stopAccepting() {
        closing = true
        if (!listener.closeAndAwaitRelease()) shipment.report("the listener was not released within 5s of closing it")
    }

    override fun drain(grace: Duration) {
        runBlocking { withTimeoutOrNull(grace) { acceptor.join() } }
    }

    override fun stop() {
        closing = true
        scope.cancel()
        runBlocking { scope.coroutineContext.job.join() }
        listener.close()
        selector.close()
    }
}
