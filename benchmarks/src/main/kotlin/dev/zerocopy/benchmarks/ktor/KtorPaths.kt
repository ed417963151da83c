package dev.zerocopy.benchmarks.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FileOptions
import dev.zerocopy.FileTransfer
import dev.zerocopy.ktor.recvFrame
import dev.zerocopy.ktor.recvInto
import dev.zerocopy.ktor.sendFile
import dev.zerocopy.ktor.sendFrame
import dev.zerocopy.ktor.sendFrom
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.readFully
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.Closeable
import java.nio.ByteBuffer
import java.nio.channels.FileChannel
import java.nio.channels.SocketChannel

// Blocking entry points into the Ktor paths, for the JMH classes (which javac must see
// as plain Java). Every call runs in runBlocking on the benchmark's thread under
// withTimeout, so a transfer that stalls fails the benchmark instead of hanging it.

/** The address every Ktor socket of the benchmarks binds or connects to. */
private const val LOOPBACK = "127.0.0.1"

/** A connected pair of Ktor sockets on 127.0.0.1, both ends in this JVM. */
class KtorPair(
    /** The connecting end. */
    val client: Socket,
    /** The accepted end. */
    val server: Socket,
) : Closeable {
    override fun close() {
        client.use { server.close() }
    }
}

/** The transfers of the Ktor paths, as blocking calls. */
object KtorPaths {

    /** Opens a selector manager on [Dispatchers.IO], as Ktor's documentation sets one up. */
    @JvmStatic
    fun selector(): SelectorManager = SelectorManager(Dispatchers.IO)

    /** Connects a pair of Ktor sockets on 127.0.0.1 through [selector]; the listener is closed again. */
    @JvmStatic
    fun pair(selector: SelectorManager, timeoutMillis: Long): KtorPair = runBlocking {
        withTimeout(timeoutMillis) {
            aSocket(selector).tcp().bind(InetSocketAddress(LOOPBACK, 0)).use { listener ->
                val accepted = async { listener.accept() }
                val client = aSocket(selector).tcp().connect(listener.localAddress)
                KtorPair(client, accepted.await())
            }
        }
    }

    /** Connects a Ktor socket to a plain NIO listener at [port] on 127.0.0.1. */
    @JvmStatic
    fun connect(selector: SelectorManager, port: Int, timeoutMillis: Long): Socket = runBlocking {
        withTimeout(timeoutMillis) { aSocket(selector).tcp().connect(InetSocketAddress(LOOPBACK, port)) }
    }

    /** Opens Ktor's write channel on [socket], flushed by hand (`autoFlush = false`, Ktor's default). */
    @JvmStatic
    fun writeChannel(socket: Socket): ByteWriteChannel = socket.openWriteChannel(autoFlush = false)

    /** Opens Ktor's read channel on [socket]. */
    @JvmStatic
    fun readChannel(socket: Socket): ByteReadChannel = socket.openReadChannel()

    /**
     * Moves [send] from [client] into [recv] on [server] with the adapter on both ends:
     * the receive runs on [Dispatchers.Default], the send on the calling thread.
     */
    @JvmStatic
    fun adapterTransfer(client: Socket, server: Socket, send: ByteView, recv: ByteView, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                coroutineScope {
                    val received = async(Dispatchers.Default) { server.recvInto(recv) }
                    client.sendFrom(send)
                    check(received.await() == recv.size()) { "received ${received.await()} bytes" }
                }
            }
        }
    }

    /**
     * Runs [adapterTransfer]'s coroutines once without the adapter: `runBlocking`, `withTimeout`,
     * an `async` on [Dispatchers.Default] whose `await` suspends. Setups call it so that a first
     * measured transfer counts the adapter's first use, not kotlinx.coroutines' (an application
     * that calls the adapter has run coroutines before), as the core's setup starts its receiving
     * thread before the first transfer.
     */
    @JvmStatic
    fun runHarnessOnce(timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                coroutineScope {
                    val received = async(Dispatchers.Default) {
                        delay(1)
                        0L
                    }
                    check(received.await() == 0L)
                }
            }
        }
    }

    /**
     * Moves [send]'s remaining bytes into [recv] through Ktor's own channels, as a Ktor user
     * writes it today: `writeFully` and `flush` on one end, `readFully` on the other
     * (on [Dispatchers.Default]).
     */
    @JvmStatic
    fun channelsTransfer(write: ByteWriteChannel, read: ByteReadChannel, send: ByteBuffer, recv: ByteBuffer, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                coroutineScope {
                    val received = launch(Dispatchers.Default) { read.readFully(recv) }
                    write.writeFully(send)
                    write.flush()
                    received.join()
                }
            }
        }
    }

    /** Sends [count] bytes of [file] from its start with the adapter's `sendFile`. */
    @JvmStatic
    fun sendFile(socket: Socket, file: FileChannel, count: Long, options: FileOptions, timeoutMillis: Long): FileTransfer =
        runBlocking { withTimeout(timeoutMillis) { socket.sendFile(file, 0, count, options) } }

    /** Sends [view] [times] times in one coroutine: the adapter's steady-state send loop. */
    @JvmStatic
    fun sendBatch(socket: Socket, view: ByteView, times: Int, timeoutMillis: Long) {
        runBlocking { withTimeout(timeoutMillis) { repeat(times) { socket.sendFrom(view) } } }
    }

    /** Receives into [view] [times] times in one coroutine: the adapter's steady-state receive loop. */
    @JvmStatic
    fun recvBatch(socket: Socket, view: ByteView, times: Int, timeoutMillis: Long) {
        runBlocking { withTimeout(timeoutMillis) { repeat(times) { socket.recvInto(view) } } }
    }

    /** Sends [payload] as a frame [times] times in one coroutine: the adapter's steady-state frame send loop. */
    @JvmStatic
    fun sendFrameBatch(socket: Socket, payload: ByteView, times: Int, timeoutMillis: Long) {
        runBlocking { withTimeout(timeoutMillis) { repeat(times) { socket.sendFrame(payload) } } }
    }

    /** Receives a frame into [into] [times] times in one coroutine: the adapter's steady-state frame receive loop. */
    @JvmStatic
    fun recvFrameBatch(socket: Socket, into: ByteView, times: Int, timeoutMillis: Long) {
        runBlocking { withTimeout(timeoutMillis) { repeat(times) { socket.recvFrame(into) } } }
    }

    /**
     * Runs the harness of [sendBatch], [recvBatch] and the frame batches around [times] hand-written
     * NIO writes of [buffer] to the blocking [channel], which allocate nothing: what `runBlocking` and
     * `withTimeout` cost, with the JVM's background allocation over as long an operation as the
     * adapter's at the same size, to be told apart from the adapter's own cost. The writes block the
     * calling thread on purpose: this is a floor, not a way to write coroutines.
     */
    @JvmStatic
    fun handNioBatch(channel: SocketChannel, buffer: ByteBuffer, times: Int, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                repeat(times) {
                    buffer.clear()
                    while (buffer.hasRemaining()) channel.write(buffer)
                }
            }
        }
    }
}
