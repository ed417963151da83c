package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.Progress
import dev.zerocopy.Transfer
import dev.zerocopy.TransferTimeoutException
import dev.zerocopy.ktor.internal.SomeHandoff
import dev.zerocopy.ktor.internal.TransferHandoff
import dev.zerocopy.ktor.internal.TransferLoop
import dev.zerocopy.ktor.internal.TransferLoops
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.network.selector.SelectorManager
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.job
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.io.IOException
import java.net.InetAddress
import java.net.InetSocketAddress
import java.nio.ByteBuffer
import java.nio.channels.ServerSocketChannel
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit
import kotlin.time.Duration.Companion.seconds

/** The threads of every transfer loop now alive. */
private fun loopThreads(): List<Thread> = Thread.getAllStackTraces().keys.filter { it.name.startsWith("zerocopy-loop-") }

private fun descriptors(): Int = Files.list(Path.of("/proc/self/fd")).use { it.count().toInt() }

/** [count] connected pairs of non-blocking NIO channels on 127.0.0.1, closed after [block]. */
private suspend fun <T> nioPairs(count: Int, block: suspend (List<Pair<SocketChannel, SocketChannel>>) -> T): T =
    ServerSocketChannel.open().use { listener ->
        listener.bind(InetSocketAddress(InetAddress.getLoopbackAddress(), 0), count)
        val pairs = ArrayList<Pair<SocketChannel, SocketChannel>>()
        try {
            repeat(count) {
                val client = SocketChannel.open(listener.localAddress)
                pairs.add(client to listener.accept())
            }
            pairs.forEach { (a, b) -> a.configureBlocking(false); b.configureBlocking(false) }
            block(pairs)
        } finally {
            pairs.forEach { (a, b) -> a.close(); b.close() }
        }
    }

/** Steps [transfer] in the caller until it would block, then has [loops] finish it, as the adapter does. */
private suspend fun stepThenHandOff(loops: TransferLoops, channel: SocketChannel, transfer: Transfer) {
    while (!transfer.isComplete) {
        if (transfer.step() == 0L && !transfer.isComplete) TransferHandoff(channel, transfer).runOn(loops.loopFor(channel))
    }
}

/**
 * The adapter's transfer loops: a socket-path transfer whose first step would block is
 * finished on a loop thread, and the caller resumes once, at its end. These tests check the
 * contracts that move with it: cancellation waits for the loop and counts exactly, sockets
 * of Ktor's ordinary selector work, and loops leave no threads or descriptors behind.
 */
class TransferLoopsTest : FunSpec({

    test("a handoff cancelled before any loop thread took it ends at once") {
        // Its Job cancelled as the call handed over, the handoff reached a loop with no thread
        // running already cancelled, and the loop dropped it: the caller waited for good (a chat
        // server's close hung on a session whose reader was being cancelled just then).
        nioPairs(1) { pairs ->
            val loop = TransferLoop(TimeUnit.SECONDS.toNanos(1))
            try {
                val handoff = SomeHandoff(pairs[0].first, ByteBuffer.allocate(8))
                val outcome = CompletableDeferred<Throwable?>()
                // Not a child: before the fix it never ended, and the timeout below fails the test instead.
                CoroutineScope(Dispatchers.Default).launch {
                    coroutineContext.job.cancel()
                    outcome.complete(runCatching { handoff.runOn(loop) }.exceptionOrNull())
                }
                withTimeout(5.seconds) { outcome.await() }.shouldBeInstanceOf<CancellationException>()
                handoff.isDone shouldBe true
                loop.isRunning shouldBe false
            } finally {
                loop.close()
            }
        }
    }

    test("a receive cancelled on the loop keeps exactly the bytes that arrived, counted, and the socket receives the rest") {
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val bytes = randomBytes(4 shl 20, 14)
                    val view = ByteView.allocate(bytes.size)
                    val firstMiB = CompletableDeferred<Unit>()
                    val progress = Progress.every(Duration.ZERO, 1) { transferred, _ ->
                        if (transferred >= 1 shl 20) firstMiB.complete(Unit)
                    }
                    coroutineScope {
                        // Undispatched: the receive is on the loop before the first byte is sent.
                        // A cancelled coroutine's await throws, so the exception it ended with is kept here.
                        val ended = CompletableDeferred<Throwable>()
                        val receiving = launch(start = CoroutineStart.UNDISPATCHED) {
                            try {
                                client.recvInto(view, progress = progress)
                            } catch (failure: Throwable) {
                                ended.complete(failure)
                                throw failure
                            }
                        }
                        server.sendFrom(ByteView.wrap(bytes, 0, 1 shl 20))
                        firstMiB.await()
                        receiving.cancel()
                        val cancelled = ended.await()
                        cancelled.shouldBeInstanceOf<TransferCancellationException>()
                        cancelled.report.transferred() shouldBe (1L shl 20)
                        cancelled.report.byteCount() shouldBe bytes.size.toLong()
                        cancelled.message shouldBe "cancelled after 1048576 of 4194304 bytes received"
                        view.slice(0, 1 shl 20) shouldBe ByteView.wrap(bytes, 0, 1 shl 20)
                        view.slice(1 shl 20) shouldBe ByteView.allocate(bytes.size - (1 shl 20))
                    }
                    coroutineScope {
                        val rest = async(start = CoroutineStart.UNDISPATCHED) { client.recvInto(view.slice(1 shl 20)) }
                        server.sendFrom(ByteView.wrap(bytes, 1 shl 20, bytes.size - (1 shl 20)))
                        rest.await() shouldBe (3L shl 20)
                    }
                    view shouldBe ByteView.wrap(bytes)
                }
            }
        }
    }

    test("sockets of Ktor's plain SelectorManager(Dispatchers.IO) send, receive and frame through the loops") {
        withTimeout(60.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val bytes = randomBytes(24 shl 20, 15)
                    val received = ByteView.allocateDirect(bytes.size.toLong())
                    coroutineScope {
                        launch { server.sendFrom(ByteView.wrap(bytes)) }
                        client.recvInto(received) shouldBe bytes.size.toLong()
                    }
                    received shouldBe ByteView.wrap(bytes)
                    loopThreads().size shouldBeLessThanOrEqual 2
                    coroutineScope {
                        launch {
                            repeat(200) { server.sendFrame(server.recvFrame(1 shl 16)) }
                        }
                        val into = ByteView.allocate(1 shl 16)
                        repeat(200) { n ->
                            val message = ByteView.wrap(randomBytes(1 + n * 97, n.toLong()))
                            client.sendFrame(message)
                            client.recvFrame(into) shouldBe message
                        }
                    }
                    coroutineScope {
                        val some = ByteView.allocate(64)
                        val reading = async(start = CoroutineStart.UNDISPATCHED) { client.recvSome(some) }
                        server.sendFrom(ByteView.wrap(bytes, 0, 10))
                        reading.await() shouldBe 10
                        some.slice(0, 10) shouldBe ByteView.wrap(bytes, 0, 10)
                    }
                }
            }
        }
    }

    test("a send that keeps moving to a slow reader outlives its idle timeout; a stalled one ends at it with its counts") {
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val big = ByteView.allocateDirect(24 shl 20)
                    val idle = Progress.ofIdleTimeout(Duration.ofMillis(300))
                    coroutineScope {
                        launch {
                            // Reads 2 MiB at a time with pauses well under the idle timeout: about 1.2 s in all.
                            val chunk = ByteView.allocateDirect(2 shl 20)
                            repeat(12) { delay(100); client.recvInto(chunk) }
                        }
                        server.sendFrom(big, progress = idle) shouldBe big.size()
                    }
                    val stalled = shouldThrow<TransferTimeoutException> { server.sendFrom(big, progress = idle) }
                    stalled.message shouldStartWith "no progress for 300 ms (the idle timeout) after ${stalled.report().transferred()} of ${big.size()} bytes sent"
                    stalled.report().transferred() shouldBeGreaterThan 0
                }
            }
        }
    }

    test("a socket closed while its receive waits on the loop ends it with an IOException naming the counts") {
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, _ ->
                    val receiving = async(start = CoroutineStart.UNDISPATCHED) { runCatching { client.recvInto(ByteView.allocate(8)) } }
                    client.close()
                    val failure = receiving.await().exceptionOrNull()
                    failure.shouldBeInstanceOf<IOException>()
                    failure.message shouldStartWith "failed after 0 of 8 bytes received: "
                }
            }
        }
    }

    test("500 transfers at once on two loops arrive intact, and the loops end their threads and descriptors when idle") {
        withTimeout(60.seconds) {
            val before = descriptors()
            val threadsBefore = loopThreads().toSet()
            TransferLoops(threads = 2, idleMillis = 50).use { loops ->
                nioPairs(250) { pairs ->
                    val payloads = pairs.indices.map { randomBytes(256 shl 10, it.toLong()) }
                    withContext(Dispatchers.Default) {
                        pairs.flatMapIndexed { i, (a, b) ->
                            val received = ByteView.allocate(payloads[i].size)
                            listOf(
                                async { stepThenHandOff(loops, a, Transfer.send(a, ByteView.wrap(payloads[i]))) },
                                async {
                                    stepThenHandOff(loops, b, Transfer.receive(b, received))
                                    received shouldBe ByteView.wrap(payloads[i])
                                },
                            )
                        }.awaitAll()
                    }
                    loops.running shouldBeLessThanOrEqual 2
                    (loopThreads() - threadsBefore).size shouldBeLessThanOrEqual 2
                }
                // Idle loops end by themselves; bounded wait for a state change, not a timed guess.
                val until = System.nanoTime() + 10_000_000_000
                while (loops.running > 0 && System.nanoTime() < until) delay(10)
                loops.running shouldBe 0
            }
            (loopThreads() - threadsBefore).filter { it.isAlive && it.name.startsWith("zerocopy-loop-") }.forEach { it.join(5_000) }
            descriptors() shouldBeLessThanOrEqual before
        }
    }

    test("a busy-polled step that finds bytes within its budget never reaches the loop; one that finds none hands off") {
        withTimeout(60.seconds) {
            TransferLoops(threads = 1, idleMillis = 60_000).use { loops ->
                nioPairs(1) { pairs ->
                    val (a, b) = pairs[0]
                    val received = ByteView.allocate(4)
                    val transfer = Transfer.receive(b, received)
                    transfer.step() shouldBe 0L
                    val sender = launch(Dispatchers.IO) { a.write(java.nio.ByteBuffer.wrap(byteArrayOf(1, 2, 3, 4))) }
                    TransferHandoff(b, transfer).finishOn(loops.loopFor(b), busyPollNanos = 30_000_000_000)
                    sender.join()
                    while (!transfer.isComplete) transfer.step()
                    received shouldBe ByteView.wrap(byteArrayOf(1, 2, 3, 4))
                    loops.running shouldBe 0

                    val again = Transfer.receive(b, received)
                    coroutineScope {
                        val waiting = async(start = CoroutineStart.UNDISPATCHED) {
                            TransferHandoff(b, again).finishOn(loops.loopFor(b), busyPollNanos = 1_000)
                        }
                        loops.running shouldBe 1
                        a.write(java.nio.ByteBuffer.wrap(byteArrayOf(5, 6, 7, 8)))
                        waiting.await()
                    }
                    again.isComplete shouldBe true
                    received shouldBe ByteView.wrap(byteArrayOf(5, 6, 7, 8))
                }
            }
        }
    }

    test("closing the loops ends a transfer waiting on them with an IOException, and their threads") {
        withTimeout(30.seconds) {
            val loops = TransferLoops(threads = 1, idleMillis = 60_000)
            nioPairs(1) { pairs ->
                val (a, _) = pairs[0]
                val transfer = Transfer.receive(a, ByteView.allocate(16))
                val waiting = async(start = CoroutineStart.UNDISPATCHED) { runCatching { stepThenHandOff(loops, a, transfer) } }
                loops.running shouldBe 1
                loops.close()
                waiting.await().exceptionOrNull()!!.message shouldBe "the adapter's transfer loops are closed"
                val until = System.nanoTime() + 10_000_000_000
                while (loops.running > 0 && System.nanoTime() < until) delay(10)
                loops.running shouldBe 0
            }
        }
    }
})
