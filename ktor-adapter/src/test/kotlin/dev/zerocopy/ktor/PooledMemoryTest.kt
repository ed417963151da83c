package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.Frames
import dev.zerocopy.ViewPool
import dev.zerocopy.ktor.internal.acquireView
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.ktor.network.selector.SelectorManager
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.io.EOFException
import kotlin.time.Duration.Companion.seconds

class PooledMemoryTest : FunSpec({

    test("10,000 coroutines on four threads acquire and release without ever sharing memory") {
        val pool = ViewPool(256L shl 10)
        withTimeout(60.seconds) {
            (1..10_000).map { n ->
                async(Dispatchers.Default.limitedParallelism(4)) {
                    val mark = (n % 251 + 1).toByte()
                    pool.acquireView(1_000 + n % 20_000).use { view ->
                        val buffer = view.buffer()
                        for (i in 0 until buffer.capacity() step 512) buffer.put(i, mark)
                        yield()
                        for (i in 0 until buffer.capacity() step 512) check(buffer.get(i) == mark) { "byte $i overwritten" }
                    }
                }
            }.awaitAll()
        }
        val figures = pool.figures()
        figures.viewsOut() shouldBe 0L
        figures.bytesIdle() shouldBe figures.bytesHeld()
        figures.bytesHeld() shouldBeLessThanOrEqual (256L shl 10)
    }

    test("coroutines cancelled while waiting for memory hold nothing afterwards") {
        val pool = ViewPool(64L shl 10)
        val all = pool.acquire(64L shl 10)
        coroutineScope {
            val waiting = (1..100).map { launch { pool.acquireView(4096).close() } }
            yield()
            waiting.forEach { it.cancel() }
            all.close()
            waiting.forEach { it.join() }
        }
        pool.figures().viewsOut() shouldBe 0L
        pool.acquireView(64 shl 10).close()
    }

    test("a pooled frame arrives whole over a socket, and goes back to the pool when the peer ends early") {
        val pool = ViewPool(1L shl 20)
        val payload = ByteView.wrap(randomBytes(300_000, 12)).readOnly()
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.Default).use { selector ->
                withLoopback(selector) { client, server ->
                    server.sendFrame(payload)
                    client.recvFrame(1 shl 20, pool).use { it shouldBe payload }
                    server.sendFrom(Frames.header(1000))
                    server.sendFrom(payload.slice(0, 10))
                    server.close()
                    val ended = runCatching { client.recvFrame(1 shl 20, pool) }.exceptionOrNull()
                    (ended is EOFException) shouldBe true
                }
            }
        }
        pool.figures().viewsOut() shouldBe 0L
    }
})
