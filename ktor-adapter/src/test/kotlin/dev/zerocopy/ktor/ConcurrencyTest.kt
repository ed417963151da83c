package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThan
import io.kotest.matchers.shouldBe
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.newSingleThreadContext
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.lang.management.ManagementFactory
import java.util.concurrent.atomic.AtomicLong
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Connections are echoed in chunks of this size; each chunk is checked against the payload. */
private const val CHUNK = 256 shl 10

/** Receives [payload].size() bytes in chunks and checks each against the payload; returns the count. */
private suspend fun Socket.recvAndCheck(payload: ByteView, chunk: ByteView): Long {
    var offset = 0
    while (offset < payload.size()) {
        val n = minOf(CHUNK, payload.size() - offset)
        recvInto(chunk.slice(0, n))
        check(chunk.slice(0, n) == payload.slice(offset, offset + n)) { "bytes differ at $offset" }
        offset += n
    }
    return offset.toLong()
}

class ConcurrencyTest : FunSpec({

    test("1,000 concurrent connections each move 2 MiB both ways on the default selector, every byte checked") {
        withTimeout(120.seconds) {
            val connections = 1_000
            val payload = ByteView.wrap(randomBytes(2 shl 20, 9)).readOnly()
            val verified = AtomicLong()
            SelectorManager(Dispatchers.Default).use { selector ->
                listen(selector).use { listener ->
                    coroutineScope {
                        val servers = launch {
                            repeat(connections) {
                                val socket = listener.accept()
                                launch {
                                    socket.use {
                                        val chunk = ByteView.allocateDirect(CHUNK)
                                        verified.addAndGet(it.recvAndCheck(payload, chunk))
                                        it.sendFrom(payload)
                                    }
                                }
                            }
                        }
                        (1..connections).map {
                            async {
                                aSocket(selector).tcp().connect(listener.localAddress).use { client ->
                                    coroutineScope {
                                        launch { client.sendFrom(payload) }
                                        client.recvAndCheck(payload, ByteView.allocateDirect(CHUNK))
                                    }
                                }
                            }
                        }.awaitAll().sum() shouldBe connections.toLong() * payload.size()
                        servers.join()
                    }
                }
            }
            verified.get() shouldBe connections.toLong() * payload.size()
        }
    }

    @OptIn(ExperimentalCoroutinesApi::class, kotlinx.coroutines.DelicateCoroutinesApi::class)
    test("a sender waiting for a slow reader suspends instead of spinning") {
        withTimeout(60.seconds) {
            val payload = ByteView.allocateDirect(8 shl 20)
            val threads = ManagementFactory.getThreadMXBean()
            newSingleThreadContext("sender").use { senderContext ->
                SelectorManager(Dispatchers.Default).use { selector ->
                    withLoopback(selector) { client, server ->
                        coroutineScope {
                            val cpuAndWall = async {
                                withContext(senderContext) {
                                    val cpu = threads.currentThreadCpuTime
                                    val wall = System.nanoTime()
                                    server.sendFrom(payload)
                                    longArrayOf(threads.currentThreadCpuTime - cpu, System.nanoTime() - wall)
                                }
                            }
                            val chunk = ByteView.allocateDirect(256 shl 10)
                            var received = 0L
                            while (received < payload.size()) {
                                delay(10.milliseconds) // the reader is slow on purpose
                                received += client.recvSome(chunk)
                            }
                            val (cpu, wall) = cpuAndWall.await().let { it[0] to it[1] }
                            (cpu * 4 / wall).toInt() shouldBeLessThan 1
                        }
                    }
                }
            }
        }
    }
})
