package dev.zerocopy.benchmarks.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.ktor.recvFrame
import dev.zerocopy.ktor.sendFrame
import io.ktor.network.sockets.Socket
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.ByteWriteChannel
import io.ktor.utils.io.readFully
import io.ktor.utils.io.readLong
import io.ktor.utils.io.writeFully
import io.ktor.utils.io.writeLong
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.HdrHistogram.Histogram
import java.nio.ByteBuffer

// The frame benchmark's Ktor clients, as blocking calls for JMH (see KtorPaths): each call runs
// a batch of frames in one runBlocking under withTimeout, and times every round trip itself.

/** Small frames (8-byte big-endian length, then the payload) through the adapter and through Ktor's channels. */
object KtorFrames {

    /** [times] round trips with the adapter: `sendFrame`, then `recvFrame` of the echo; each one's nanoseconds into [latencies]. */
    @JvmStatic
    fun adapterPingPong(socket: Socket, payload: ByteView, into: ByteView, times: Int, latencies: Histogram, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                repeat(times) {
                    val start = System.nanoTime()
                    socket.sendFrame(payload)
                    val echo = socket.recvFrame(into)
                    latencies.recordValue(System.nanoTime() - start)
                    check(echo.size() == payload.size()) { "echo of ${echo.size()} bytes, sent ${payload.size()}" }
                }
            }
        }
    }

    /** Sends [frames] frames of [payload] with the adapter's `sendFrame`. */
    @JvmStatic
    fun adapterStream(socket: Socket, payload: ByteView, frames: Int, timeoutMillis: Long) {
        runBlocking { withTimeout(timeoutMillis) { repeat(frames) { socket.sendFrame(payload) } } }
    }

    /**
     * [times] round trips through Ktor's channels, as a Ktor user writes frames today: `writeLong`,
     * `writeFully`, `flush`; `readLong`, `readFully`. [payload] and [into] are reused (cleared).
     */
    @JvmStatic
    fun channelsPingPong(write: ByteWriteChannel, read: ByteReadChannel, payload: ByteBuffer, into: ByteBuffer, times: Int,
        latencies: Histogram, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                repeat(times) {
                    val start = System.nanoTime()
                    payload.clear()
                    write.writeLong(payload.remaining().toLong())
                    write.writeFully(payload)
                    write.flush()
                    val size = read.readLong()
                    check(size == payload.capacity().toLong()) { "echo announces $size bytes, sent ${payload.capacity()}" }
                    into.clear().limit(size.toInt())
                    read.readFully(into)
                    latencies.recordValue(System.nanoTime() - start)
                }
            }
        }
    }

    /** Sends [frames] frames of [payload] through Ktor's write channel, flushed once at the end. */
    @JvmStatic
    fun channelsStream(write: ByteWriteChannel, payload: ByteBuffer, frames: Int, timeoutMillis: Long) {
        runBlocking {
            withTimeout(timeoutMillis) {
                repeat(frames) {
                    payload.clear()
                    write.writeLong(payload.remaining().toLong())
                    write.writeFully(payload)
                }
                write.flush()
            }
        }
    }
}
