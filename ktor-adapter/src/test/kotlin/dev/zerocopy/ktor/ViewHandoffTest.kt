package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FrameTooLargeException
import dev.zerocopy.ktor.internal.TransferLoops
import dev.zerocopy.ktor.internal.ViewHandoff
import io.kotest.assertions.fail
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.longs.shouldBeInRange
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.kotest.matchers.types.shouldBeSameInstanceAs
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.awaitCancellation
import kotlinx.coroutines.delay
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.yield
import java.nio.channels.SelectionKey
import java.util.SplittableRandom
import kotlin.time.Duration.Companion.seconds

private fun handoffOf(socket: Socket, ops: Int): ViewHandoff? =
    TransferLoops.default!!.viewHandoff((socket as Selectable).channel, ops)

/**
 * The reusable waits of the view and frame calls ([ViewHandoff]): one handoff per socket and
 * direction serves call after call, registers once with the caller's Job, and must neither
 * lose a cancellation that races the caller's parking nor let a stale registration cancel
 * the next caller.
 */
class ViewHandoffTest : FunSpec({

    test("a cancellation racing the receive's park ends it exactly once, with exact counts, and the socket receives on") {
        withTimeout(60.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val random = SplittableRandom(41)
                    val view = ByteView.allocate(8)
                    repeat(400) { round ->
                        val bytes = randomBytes(8, round.toLong())
                        val early = random.nextInt(0, 9) // bytes that are there before the cancellation
                        if (early > 0) server.sendFrom(ByteView.wrap(bytes, 0, early))
                        var got = -1L
                        withContext(Dispatchers.Default) {
                            val receiving = launch {
                                got = try {
                                    client.recvInto(view)
                                } catch (cancelled: TransferCancellationException) {
                                    cancelled.report.transferred()
                                }
                            }
                            repeat(random.nextInt(0, 4)) { yield() }
                            receiving.cancel()
                            receiving.join()
                        }
                        // Not started at all (-1), cancelled with what had arrived, or complete: never lost.
                        val received = if (got < 0) 0L else got
                        received shouldBeInRange 0L..early.toLong()
                        if (received < 8) {
                            if (early > received) {
                                // What arrived and was not taken is still in the socket: take it, then the rest.
                                client.recvInto(view.slice(received, early.toLong()))
                            }
                            server.sendFrom(ByteView.wrap(bytes, early, 8 - early))
                            if (early < 8) client.recvInto(view.slice(early.toLong())) shouldBe (8L - early)
                        }
                        view shouldBe ByteView.wrap(bytes)
                    }
                }
            }
        }
    }

    test("one socket serves thousands of calls that wait with one handoff per direction, every byte compared") {
        withTimeout(60.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    coroutineScope {
                        launch(Dispatchers.Default) {
                            val into = ByteView.allocate(1 shl 12)
                            repeat(2000) { server.sendFrame(server.recvFrame(into)) }
                        }
                        val into = ByteView.allocate(1 shl 12)
                        var reader: ViewHandoff? = null
                        repeat(2000) { n ->
                            val message = ByteView.wrap(randomBytes(1 + n % 4000, n.toLong()))
                            client.sendFrame(message)
                            client.recvFrame(into) shouldBe message
                            val now = handoffOf(client, SelectionKey.OP_READ)
                            if (reader == null) reader = now else if (now != null) now shouldBeSameInstanceAs reader
                        }
                        if (reader == null) fail("no receive waited on the loop in 2000 round trips")
                    }
                }
            }
        }
    }

    test("a receive cancelled while it waits on the loop throws its exact counts; a frame checked on the loop throws as it is") {
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val bytes = randomBytes(100, 3)
                    val view = ByteView.allocate(100)
                    server.sendFrom(ByteView.wrap(bytes, 0, 10))
                    coroutineScope {
                        val ended = CompletableDeferred<Throwable>()
                        val receiving = launch(start = CoroutineStart.UNDISPATCHED) {
                            try {
                                client.recvInto(view)
                            } catch (failure: Throwable) {
                                ended.complete(failure)
                                throw failure
                            }
                        }
                        receiving.cancel()
                        val cancelled = ended.await()
                        cancelled.shouldBeInstanceOf<TransferCancellationException>()
                        cancelled.message shouldBe "cancelled after 10 of 100 bytes received"
                        cancelled.report.transferred() shouldBe 10L
                        cancelled.cause.shouldBeInstanceOf<CancellationException>()
                    }
                    coroutineScope {
                        val rest = async(start = CoroutineStart.UNDISPATCHED) { client.recvInto(view.slice(10)) }
                        server.sendFrom(ByteView.wrap(bytes, 10, 90))
                        rest.await() shouldBe 90L
                    }
                    view shouldBe ByteView.wrap(bytes)
                    coroutineScope {
                        // The header arrives while the receive waits: the loop checks its size.
                        val small = async(start = CoroutineStart.UNDISPATCHED) {
                            runCatching { client.recvFrame(ByteView.allocate(10)) }
                        }
                        server.sendFrame(ByteView.wrap(bytes))
                        val tooLarge = small.await().exceptionOrNull()
                        tooLarge.shouldBeInstanceOf<FrameTooLargeException>()
                        tooLarge.frameSize() shouldBe 100L
                    }
                    client.recvInto(view) shouldBe 100L
                    view shouldBe ByteView.wrap(bytes)
                }
            }
        }
    }

    test("a Job cancelled after another Job took its socket over does not cancel the other's receive") {
        withTimeout(30.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                withLoopback(selector) { client, server ->
                    val bytes = randomBytes(64, 7)
                    val view = ByteView.allocate(32)
                    coroutineScope {
                        val firstDone = CompletableDeferred<Unit>()
                        // The first Job waits on the socket, then stays alive, registered with its handoff.
                        val first = launch(start = CoroutineStart.UNDISPATCHED) {
                            client.recvInto(view) shouldBe 32L
                            firstDone.complete(Unit)
                            awaitCancellation()
                        }
                        server.sendFrom(ByteView.wrap(bytes, 0, 32))
                        firstDone.await()
                        view shouldBe ByteView.wrap(bytes, 0, 32)
                        val second = async(start = CoroutineStart.UNDISPATCHED) { client.recvInto(view) }
                        first.cancel()
                        first.join()
                        server.sendFrom(ByteView.wrap(bytes, 32, 32))
                        second.await() shouldBe 32L
                    }
                    view shouldBe ByteView.wrap(bytes, 32, 32)
                }
            }
        }
    }

    test("a long-lived Job that waits on many sockets in turn keeps no registration once they are closed") {
        withTimeout(60.seconds) {
            SelectorManager(Dispatchers.IO).use { selector ->
                val before = ViewHandoff.live.get()
                listen(selector).use { listener ->
                    // One coroutine (one Job) makes every receive; the sends and accepts are its children.
                    coroutineScope {
                        repeat(60) { n ->
                            val accepted = async { listener.accept() }
                            aSocket(selector).tcp().connect(listener.localAddress).use { client ->
                                accepted.await().use { server ->
                                    val bytes = randomBytes(16, n.toLong())
                                    val view = ByteView.allocate(16)
                                    val sending = launch { server.sendFrom(ByteView.wrap(bytes)) }
                                    client.recvInto(view) shouldBe 16L
                                    sending.join()
                                    view shouldBe ByteView.wrap(bytes)
                                }
                            }
                        }
                        (ViewHandoff.live.get() - before) shouldBeLessThanOrEqual 60
                    }
                }
                // The loops forget the handoffs of closed channels within their closed-channel check (100 ms).
                val deadline = System.nanoTime() + 10_000_000_000L
                while (ViewHandoff.live.get() > before && System.nanoTime() < deadline) delay(20)
                ViewHandoff.live.get() shouldBeLessThanOrEqual before
            }
        }
    }
})
