package dev.zerocopy.samples.arrays

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.Frames
import dev.zerocopy.ZeroCopy
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.recvInto
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeoutOrNull
import kotlin.time.Duration
import kotlin.time.toJavaDuration
import java.net.InetSocketAddress
import java.net.SocketTimeoutException
import java.nio.channels.SocketChannel

/** Slices the receive view is filled in, so that progress can be shown between them, each under the stall timeout. */
private const val SLICE_BYTES = STALL_SLICE_BYTES.toLong()

/**
 * What one connection received: the payload (a view of the receive buffer, not a
 * copy) and how long each transfer took.
 */
public class FetchResult internal constructor(
    /** The bytes of the last transfer, as a slice of the fetcher's preallocated view. */
    public val payload: ByteView,
    /** Nanoseconds per transfer, in order. */
    public val nanos: LongArray,
)

/**
 * The receiving side of the recipe: a direct view of `count` doubles allocated once,
 * up front, and filled in place by every transfer, like `numpy.zeros(...)` and
 * `recv_into`.
 *
 * `allocateDirect` zero-fills, so every page of the view is touched before the first
 * byte arrives: receiving into never-touched memory costs a page fault per 4 KiB
 * inside `recv`, which on this kind of machine halves the rate.
 *
 * Raw: each transfer is exactly `count` doubles, as the recipe needs. Framed: each
 * transfer is one frame whose header says its size; a frame larger than the view
 * fails with [dev.zerocopy.FrameTooLargeException] before its payload is read.
 *
 * Not thread-safe: one fetch at a time.
 */
public class ArrayFetcher(
    count: Int,
    private val wire: Wire,
    private val engine: Engine,
    private val repeat: Int = 1,
    private val stallTimeout: Duration = DEFAULT_STALL_TIMEOUT,
) {

    init {
        require(count in 0..MAX_COUNT) { "count must be in 0..$MAX_COUNT (asDoubles covers at most 2^31-1 bytes), was $count" }
        require(repeat >= 1) { "repeat must be >= 1, was $repeat" }
        require(stallTimeout > Duration.ZERO) { "stallTimeout must be positive, was $stallTimeout" }
    }

    /** The preallocated receive view: `count` doubles. */
    public val view: ByteView = ByteView.allocateDirect(count.toLong() * Double.SIZE_BYTES)

    private val header = ByteView.allocate(Frames.HEADER_SIZE)

    /**
     * Connects to [host]:[port] and receives `repeat` transfers into [view], calling
     * [progress] with the bytes received so far (over all transfers) after every slice
     * of 1 MiB.
     *
     * @throws dev.zerocopy.EndOfStreamException if the server closes before a transfer is complete
     * @throws java.net.SocketTimeoutException if no 1 MiB slice (or frame header) arrives
     *   within the stall timeout
     * @throws java.io.IOException if the connection fails
     */
    public fun fetch(host: String, port: Int, progress: (Long) -> Unit = {}): FetchResult = when (engine) {
        Engine.CORE -> SocketChannel.open(InetSocketAddress(host, port)).use { channel ->
            val stall = stallTimeout.toJavaDuration()
            // The core's timeouts wait for readiness, which needs a non-blocking channel.
            channel.configureBlocking(false)
            receiveAll(progress) { ZeroCopy.recvInto(channel, it, stall) }
        }
        Engine.KTOR -> runBlocking {
            SocketFutures.selectorManager().use { selector ->
                aSocket(selector).tcp().connect(host, port).use { socket ->
                    receiveAll(progress) { view ->
                        withTimeoutOrNull(stallTimeout) { socket.recvInto(view) }
                            ?: throw SocketTimeoutException("no progress for $stallTimeout: a ${view.size()}-byte slice did not arrive")
                    }
                }
            }
        }
    }

    /** The transfers, with [recv] filling one view completely (blocking or suspending: it is inlined). */
    private inline fun receiveAll(progress: (Long) -> Unit, recv: (ByteView) -> Unit): FetchResult {
        val nanos = LongArray(repeat)
        var received = 0L
        var size = 0L
        for (transfer in 0 until repeat) {
            val start = System.nanoTime()
            size = if (wire == Wire.FRAMED) {
                recv(header)
                Frames.payloadSize(header, view.size().toInt()).toLong()
            } else {
                view.size()
            }
            var offset = 0L
            while (offset < size) {
                val end = offset + minOf(SLICE_BYTES, size - offset)
                try {
                    recv(view.slice(offset, end))
                } catch (early: EndOfStreamException) {
                    // The slice's counts mean nothing to the caller; the transfer's do.
                    throw EndOfStreamException(offset + early.transferred(), size, "bytes of the array")
                }
                received += end - offset
                offset = end
                progress(received)
            }
            nanos[transfer] = System.nanoTime() - start
        }
        return FetchResult(view.slice(0, size), nanos)
    }
}
