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
import java.util.concurrent.atomic.AtomicInteger
import java.util.concurrent.atomic.AtomicLong
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/** Connects pending at once in [echoConcurrently]; far below the listener's backlog (4096, the machine's somaxconn). */
private const val CONNECTS_IN_FLIGHT = 256

/** Receives [payload].size() bytes in chunks of [chunk]'s size, checking each against the payload; returns the count. */
private suspend fun Socket.recvAndCheck(payload: ByteView, chunk: ByteView): Long {
    var offset = 0L
    while (offset < payload.size()) {
        val n = minOf(chunk.size(), payload.size() - offset)
        recvInto(chunk.slice(0, n))
        check(chunk.slice(0, n) == payload.slice(offset, offset + n)) { "bytes differ at $offset" }
        offset += n
    }
    return offset
}

/**
 * Opens [connections] loopback connections on one selector and, once every one is open, has
 * each client send [payload] while the server end checks it in chunks of [chunk] bytes; then
 * the server sends it back and the client checks it. Returns the bytes the server ends verified.
 * At most [CONNECTS_IN_FLIGHT] connects are pending at once, so that the listener's accept
 * queue never overflows (an overflowing queue resets connections).
 */
private suspend fun echoConcurrently(connections: Int, payload: ByteView, chunk: Int): Long {
    val verified = AtomicLong()
    SelectorManager(Dispatchers.Default).use { selector ->
        listen(selector, backlog = 4096).use { listener ->
            coroutineScope {
                val servers = launch {
                    repeat(connections) {
                        val socket = listener.accept()
                        launch {
                            socket.use {
                                verified.addAndGet(it.recvAndCheck(payload, ByteView.allocate(chunk)))
                                it.sendFrom(payload)
                            }
                        }
                    }
                }
                val connecting = Semaphore(CONNECTS_IN_FLIGHT)
                val open = AtomicInteger()
                val allOpen = CompletableDeferred<Unit>()
                (1..connections).map {
                    async {
                        val socket = connecting.withPermit { aSocket(selector).tcp().connect(listener.localAddress) }
                        if (open.incrementAndGet() == connections) allOpen.complete(Unit)
                        socket.use { client ->
                            allOpen.await()
                            coroutineScope {
                                launch { client.sendFrom(payload) }
                                client.recvAndCheck(payload, ByteView.allocate(chunk))
                            }
                        }
                    }
                }.awaitAll().sum() shouldBe connections.toLong() * payload.size()
                servers.join()
            }
        }
    }
    return verified.get()
}

class ConcurrencyTest : FunSpec({

    test("1,000 concurrent connections each move 2 MiB both ways on the default selector, every byte checked") {
        withTimeout(120.seconds) {
            val payload = ByteView.wrap(randomBytes(2 shl 20, 9)).readOnly()
            echoConcurrently(1_000, payload, 256 shl 10) shouldBe 1_000L * payload.size()
        }
    }

    // 18,000 sockets with both ends in this JVM, under the machine's 20,000 open files.
    test("9,000 concurrent connections each move 1 MiB both ways on one selector, every byte checked")
        .config(enabled = stressRuns) {
            withTimeout(600.seconds) {
                val payload = ByteView.wrap(randomBytes(1 shl 20, 10)).readOnly()
                echoConcurrently(9_000, payload, 32 shl 10) shouldBe 9_000L * payload.size()
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
