package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

private const val GIB = 1L shl 30

/** A direct view of [size] bytes in pieces of [pieceSize], filled with a pattern that no power of two repeats. */
private fun patterned(size: Long, pieceSize: Int): ByteView {
    val view = ByteView.allocateDirect(size, pieceSize)
    var at = 0L
    val chunk = ByteArray(1 shl 20)
    for (buffer in view.buffers()) {
        var offset = 0
        while (offset < buffer.remaining()) {
            val count = minOf(chunk.size, buffer.remaining() - offset)
            for (i in 0 until count) chunk[i] = ((at + i) * 31 + ((at + i) ushr 13) * 7 + 5).toByte()
            buffer.put(offset, chunk, 0, count)
            offset += count
            at += count
        }
    }
    return view
}

/** Sends [sent] in slices cut at [cuts] from one socket and receives it into [received] at the other. */
private suspend fun sendAcross(sent: ByteView, cuts: List<Long>, received: ByteView) {
    SelectorManager(Dispatchers.Default).use { selector ->
        withLoopback(selector) { client, server ->
            coroutineScope {
                val sending = async { cuts.zipWithNext { from, to -> server.sendFrom(sent.slice(from, to)) }.sum() }
                client.recvInto(received) shouldBe received.size()
                sending.await() shouldBe sent.size()
            }
        }
    }
}

class LongViewTest : FunSpec({

    test("a view of 2,049 pieces, sliced across its piece boundaries, crosses a socket into a view laid out differently") {
        withTimeout(60.seconds) {
            val size = (8L shl 20) + 123
            val sent = patterned(size, 4096)
            val received = ByteView.allocateDirect(size, (3 shl 20) + 17)
            sendAcross(sent, listOf(0L, 4095L, (5L shl 20) + 1, size), received)
            received shouldBe sent
        }
    }

    test("a view in pieces crosses Ktor's channels both ways") {
        withTimeout(60.seconds) {
            val size = (2L shl 20) + 5
            val sent = patterned(size, 64 shl 10)
            val received = ByteView.allocateDirect(size, 100_000)
            SelectorManager(Dispatchers.Default).use { selector ->
                withLoopback(selector) { client, server ->
                    val output = server.openWriteChannel()
                    val input = client.openReadChannel()
                    coroutineScope {
                        val sending = async { output.sendFrom(sent) }
                        input.recvInto(received) shouldBe size
                        sending.await() shouldBe size
                    }
                }
            }
            received shouldBe sent
        }
    }

    // 6 GiB of direct memory: only with -Pstress, which raises the test JVM's direct memory limit.
    test("a 3 GiB view in 1 GiB pieces, sliced across the pieces, crosses a socket into another 3 GiB view")
        .config(enabled = stressRuns) {
            withTimeout(600.seconds) {
                val size = 3 * GIB
                val sent = patterned(size, 1 shl 30)
                val received = ByteView.allocateDirect(size)
                sendAcross(sent, listOf(0L, GIB - 4097, 2 * GIB + 12345, size), received)
                received shouldBe sent
            }
        }
})
