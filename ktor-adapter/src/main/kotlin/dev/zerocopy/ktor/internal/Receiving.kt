package dev.zerocopy.ktor.internal

import dev.zerocopy.ByteView
import dev.zerocopy.ViewPool
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.internal.SomeReceiver
import java.io.IOException
import java.nio.channels.ReadableByteChannel

/**
 * The receives that step more than one core transfer, or none: a frame (the core's
 * [FrameReceiver], header then payload) and `recvSome` (the core's [SomeReceiver] step),
 * written once for both of the adapter's paths. [channel] is non-blocking (a socket's own
 * channel, or a [KtorSource]) and [await] suspends until it has bytes.
 *
 * @param connection the socket or Ktor channel received from, for [drive]
 */
internal class Receiving(
    private val connection: Any,
    private val channel: ReadableByteChannel,
    private val await: suspend () -> Unit,
) {

    /** Receives what one read gives into the start of [view], which the caller checked is writable and not empty. */
    suspend fun recvSome(view: ByteView): Int {
        val buffer = SomeReceiver.target(view)
        try {
            while (true) {
                val read = SomeReceiver.step(channel, buffer)
                if (read != 0) return read
                await()
            }
        } catch (failure: IOException) {
            throw SomeReceiver.failed(buffer, failure)
        }
    }

    /** Receives one frame into the start of [into], which the caller checked is writable. */
    suspend fun recvFrame(into: ByteView): ByteView {
        val frame = recvHeader(FrameReceiver.intoLimit(into))
        drive(connection, frame.payload(into), await = await)
        return frame.received()
    }

    /** Receives one frame of at most [limit] payload bytes into a view made by [allocator]. */
    suspend fun recvFrame(limit: Int, allocator: (Int) -> ByteView): ByteView {
        val frame = recvHeader(limit)
        drive(connection, frame.payload(allocator(frame.size())), await = await)
        return frame.received()
    }

    /** Receives one frame of at most [maxSize] payload bytes into a view of exactly its size from [pool]. */
    suspend fun recvFrame(maxSize: Int, pool: ViewPool): ByteView {
        val frame = recvHeader(maxSize)
        val payload = pool.acquireView(frame.size())
        releasingOnFailure(payload) { drive(connection, frame.payloadExactly(payload), await = await) }
        return payload
    }

    private suspend fun recvHeader(limit: Int): FrameReceiver {
        val frame = FrameReceiver(channel, limit)
        drive(connection, frame.header(), await = await)
        frame.size()
        return frame
    }
}
