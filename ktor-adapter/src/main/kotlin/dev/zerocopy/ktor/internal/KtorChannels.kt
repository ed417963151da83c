package dev.zerocopy.ktor.internal

import dev.zerocopy.Transfer
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.availableForRead
import io.ktor.utils.io.readAvailable
import io.ktor.utils.io.writeAvailable
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.currentCoroutineContext
import kotlinx.coroutines.ensureActive
import java.io.IOException
import java.nio.ByteBuffer
import java.nio.channels.ClosedChannelException
import java.nio.channels.ReadableByteChannel
import java.nio.channels.WritableByteChannel
import java.time.Duration
import java.util.Collections
import java.util.WeakHashMap

/**
 * Bytes a sink hands to Ktor's write buffer between two flushes. Ktor's `flush()`
 * suspends while more than its own 1 MiB is waiting, so this only bounds how much
 * sits in the write buffer unflushed.
 */
private const val FLUSH_EVERY = 256 shl 10

/**
 * A non-blocking [WritableByteChannel] over a Ktor [ByteWriteChannel], so that core
 * transfers can run on it: a write copies into Ktor's write buffer without suspending
 * and returns 0 once [FLUSH_EVERY] bytes wait for a flush, which [drive] then does.
 */
internal class KtorSink(private val channel: ByteWriteChannel, private val description: String) : WritableByteChannel {
    private var unflushed = 0

    override fun write(src: ByteBuffer): Int = ktorCall {
        if (channel.isClosedForWrite) throw closed(channel.closedCause)
        val count = minOf(src.remaining(), FLUSH_EVERY - unflushed)
        if (count <= 0) return@ktorCall 0
        channel.writeAvailable(src.slice(src.position(), count))
        src.position(src.position() + count)
        unflushed += count
        count
    }

    /**
     * Steps [transfer] to completion, flushing to Ktor whenever the buffer is full, and at
     * the end. The last flush belongs to the send: cancelled there, the send is incomplete
     * as far as the caller knows, so the channel is marked broken like any partial send.
     */
    suspend fun drive(transfer: Transfer, timeout: Duration? = null): Long =
        drive(channel, transfer, timeout, finish = { flush() }) { flush() }

    private suspend fun flush() {
        ktorAwait { channel.flush() }
        unflushed = 0
    }

    override fun isOpen(): Boolean = !channel.isClosedForWrite

    override fun close(): Unit = throw UnsupportedOperationException("the Ktor channel is closed by its owner")

    override fun toString(): String = description
}

/**
 * A non-blocking [ReadableByteChannel] over a Ktor [ByteReadChannel]: a read copies
 * what Ktor has already buffered, returns 0 when that is empty (the driver then
 * suspends in `awaitContent`) and -1 at the end of stream.
 */
internal class KtorSource(private val channel: ByteReadChannel, private val description: String) : ReadableByteChannel {

    override fun read(dst: ByteBuffer): Int = ktorCall {
        if (!dst.hasRemaining()) return@ktorCall 0
        if (channel.availableForRead == 0) {
            if (!channel.isClosedForRead) return@ktorCall 0
            channel.closedCause?.let { throw closed(it) }
            return@ktorCall -1
        }
        // Ktor hands out one buffer segment (8 KiB) at a time: take what is buffered, up to dst.
        // Bytes already taken are returned, not lost to a failure of a later segment's read: the
        // next call reports the failure, after the transfer has counted them.
        var read = 0
        while (dst.hasRemaining() && channel.availableForRead > 0) {
            val taken = try {
                channel.readAvailable { src ->
                    val count = minOf(src.remaining(), dst.remaining())
                    dst.put(dst.position(), src, src.position(), count)
                    dst.position(dst.position() + count)
                    src.position(src.position() + count)
                    count
                }
            } catch (failure: Exception) {
                if (read > 0) return@ktorCall read
                throw failure
            }
            if (taken < 0) { // closed (reset, cancelled) between the check and the read
                if (read > 0) return@ktorCall read
                throw closed(channel.closedCause)
            }
            read += taken
        }
        read
    }

    /** Suspends until Ktor has bytes buffered or the stream has ended. */
    suspend fun await() {
        ktorAwait { channel.awaitContent() }
    }

    /** Steps [transfer] to completion, suspending in Ktor until bytes arrive. */
    suspend fun drive(transfer: Transfer, timeout: Duration? = null): Long = drive(channel, transfer, timeout) { await() }

    override fun isOpen(): Boolean = !channel.isClosedForRead

    override fun close(): Unit = throw UnsupportedOperationException("the Ktor channel is closed by its owner")

    override fun toString(): String = description
}

/**
 * Runs a non-suspending call into a Ktor channel. A closed or cancelled Ktor channel
 * throws its close cause from any call, which may be a CancellationException or an
 * IllegalStateException; either would break the adapter's IOException contract.
 */
private inline fun <T> ktorCall(call: () -> T): T =
    try {
        call()
    } catch (io: IOException) {
        throw io
    } catch (other: Exception) {
        throw closed(other)
    }

/**
 * Runs a suspending call into a Ktor channel. A CancellationException while this
 * coroutine is still active is the channel's close cause (its socket closed, say), not a
 * cancellation of the caller: it becomes an IOException, which [drive] gives the counts.
 */
private suspend inline fun ktorAwait(call: () -> Unit) {
    try {
        call()
    } catch (cancelled: CancellationException) {
        currentCoroutineContext().ensureActive()
        throw closed(cancelled)
    } catch (io: IOException) {
        throw io
    } catch (other: Exception) {
        throw closed(other)
    }
}

private fun closed(cause: Throwable?): IOException = when (cause) {
    null -> ClosedChannelException()
    is IOException -> cause
    else -> IOException("the Ktor channel failed: $cause", cause)
}

/**
 * The Ktor channels the adapter opened on sockets it cannot drive directly, so that every
 * call on such a socket reads and writes through the same pair. An entry goes when its
 * socket closes (the channels' coroutines hold the socket, so weak keys alone would not).
 */
private val readChannels: MutableMap<Socket, ByteReadChannel> = Collections.synchronizedMap(WeakHashMap())
private val writeChannels: MutableMap<Socket, ByteWriteChannel> = Collections.synchronizedMap(WeakHashMap())

internal fun fallbackReadChannel(socket: Socket): ByteReadChannel =
    opened(socket, readChannels) { socket.openReadChannel() }

internal fun fallbackWriteChannel(socket: Socket): ByteWriteChannel =
    opened(socket, writeChannels) { socket.openWriteChannel(autoFlush = false) }

private fun <C : Any> opened(socket: Socket, channels: MutableMap<Socket, C>, open: () -> C): C =
    synchronized(channels) {
        channels[socket] ?: open().also { channel ->
            channels[socket] = channel
            // Runs at once, removing the entry again, if the socket is already closed.
            socket.socketContext.invokeOnCompletion { channels.remove(socket) }
        }
    }

/** What a file transfer's fallback reason calls the Ktor channel of a socket the adapter cannot drive. */
internal fun fallbackDescription(socket: Socket, direction: String): String =
    "Ktor's $direction channel of a socket the adapter cannot drive directly (${fallbackReason(socket)})"

/** The receives of this Ktor channel, through a [KtorSource] over it. */
internal fun ByteReadChannel.receiving(): Receiving {
    val source = KtorSource(this, "Ktor's read channel")
    return Receiving(this, source, null) { source.await() }
}
