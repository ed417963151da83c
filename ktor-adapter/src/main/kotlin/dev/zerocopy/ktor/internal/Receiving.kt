package dev.zerocopy.ktor.internal

import dev.zerocopy.ByteView
import dev.zerocopy.ViewPool
import dev.zerocopy.internal.FrameReceiver
import dev.zerocopy.internal.SomeReceiver
import dev.zerocopy.Transfer
import java.io.IOException
import java.nio.channels.ReadableByteChannel

/**
 * The receives that step more than one core transfer, or none: a frame (the core's
 * [FrameReceiver], header then payload) and `recvSome` (the core's [SomeReceiver] step),
 * written once for both of the adapter's paths. [channel] is non-blocking (a socket's own
 * channel, or a [KtorSource]); once a step moves nothing, the socket's loop finishes it
 * (a socket's own channel, [side]) or [await] suspends until the channel has bytes.
 *
 * @param connection the socket or Ktor channel received from, for [drive]
 * @param side the socket's NIO side when [channel] is its own channel, else null
 */
internal class Receiving(
    private val connection: Any,
    private val channel: ReadableByteChannel,
    private val side: NioSide?,
    private val await: suspend () -> Unit,
) {

    /** Receives what one read gives into the start of [view], which the caller checked is writable and not empty. */
    suspend fun recvSome(view: ByteView): Int {
        val buffer = SomeReceiver.target(view)
        try {
            while (true) {
                val read = SomeReceiver.step(channel, buffer)
                if (read != 0) return read
                val loops = side?.loops
                if (loops != null) {
                    val handoff = SomeHandoff(side.channel, buffer)
                    handoff.finishOn(loops.loopFor(side.channel))
                    return handoff.read
                }
                await()
            }
        } catch (failure: IOException) {
            throw SomeReceiver.failed(buffer, failure)
        }
    }

    /** Receives one frame into the start of [into], which the caller checked is writable. */
    suspend fun recvFrame(into: ByteView): ByteView {
        val frame = recvHeader(FrameReceiver.intoLimit(into))
        driveStep(frame.payload(into))
        return frame.received()
    }

    /** Receives one frame of at most [limit] payload bytes into a view made by [allocator]. */
    suspend fun recvFrame(limit: Int, allocator: (Int) -> ByteView): ByteView {
        val frame = recvHeader(limit)
        driveStep(frame.payload(allocator(frame.size())))
        return frame.received()
    }

    /** Receives one frame of at most [maxSize] payload bytes into a view of exactly its size from [pool]. */
    suspend fun recvFrame(maxSize: Int, pool: ViewPool): ByteView {
        val frame = recvHeader(maxSize)
        val payload = pool.acquireView(frame.size())
        releasingOnFailure(payload) { driveStep(frame.payloadExactly(payload)) }
        return payload
    }

    private suspend fun recvHeader(limit: Int): FrameReceiver {
        val frame = FrameReceiver(channel, limit)
        driveStep(frame.header())
        frame.size()
        return frame
    }

    private suspend fun driveStep(transfer: Transfer): Long =
        drive(connection, transfer, await = side?.waitFor(transfer) ?: await)
}
