package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FallbackCode
import dev.zerocopy.FileMode
import dev.zerocopy.FileOptions
import dev.zerocopy.Progress
import dev.zerocopy.TransferCounters
import dev.zerocopy.TransferReport
import dev.zerocopy.TransferTimeoutException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.longs.shouldBeGreaterThan
import io.kotest.matchers.longs.shouldBeGreaterThanOrEqual
import io.kotest.matchers.longs.shouldBeLessThanOrEqual
import io.kotest.matchers.ints.shouldBeLessThanOrEqual
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.Collections
import java.util.concurrent.ExecutionException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * Reports on the adapter's drivers (socket path, channel path, futures): their counts equal the
 * bytes compared for success, end of stream, timeout and cancellation; progress and idle timeouts.
 */
class TransferReportTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    for (mode in listOf(FileMode.ZERO_COPY, FileMode.COPY)) {
        test("a socket sendFile in $mode reports the bytes of each mode as the receiver got them") {
            withTimeout(30.seconds) {
                val content = randomBytes(9 shl 20, 61)
                withFile(content) { file ->
                    withLoopback(selector) { client, server ->
                        coroutineScope {
                            val received = ByteView.allocateDirect(content.size.toLong())
                            val receiver = async { client.recvInto(received) }
                            val report = server.sendFile(file, options = FileOptions.defaults().withMode(mode)).report()
                            receiver.await()
                            received shouldBe ByteView.wrap(content)
                            report.transferred() shouldBe content.size.toLong()
                            report.mode() shouldBe mode
                            if (mode == FileMode.ZERO_COPY) report.zeroCopied() shouldBe content.size.toLong()
                            else report.copied() shouldBe content.size.toLong()
                            report.steps() shouldBeGreaterThanOrEqual 3L
                            report.waits() shouldBe report.zeroReturns()
                        }
                    }
                }
            }
        }
    }

    test("a channel-path sendFile reports every byte copied and why") {
        withTimeout(30.seconds) {
            val content = randomBytes(3 shl 20, 62)
            withFile(content) { file ->
                withLoopback(selector) { client, server ->
                    coroutineScope {
                        val received = ByteView.allocateDirect(content.size.toLong())
                        val receiver = async { client.recvInto(received) }
                        val report = server.openWriteChannel().sendFile(file).report()
                        receiver.await()
                        received shouldBe ByteView.wrap(content)
                        report.copied() shouldBe content.size.toLong()
                        report.zeroCopied() shouldBe 0L
                        report.fallbackCode() shouldBe FallbackCode.NOT_A_JDK_CHANNEL
                    }
                }
            }
        }
    }

    for (path in listOf("socket", "channel")) {
        test("a $path receive with a timeout throws TransferTimeoutException counting the bytes that arrived, and the socket stays usable") {
            withTimeout(30.seconds) {
                val content = randomBytes(10_000, 63)
                val timeoutsBefore = TransferCounters.snapshot().timeouts()
                withLoopback(selector) { client, server ->
                    val recv = receiver(server, path)
                    client.sendFrom(ByteView.wrap(content, 0, 5000))
                    val view = ByteView.allocate(10_000)
                    val timedOut = shouldThrow<TransferTimeoutException> { recv(view.slice(0), Duration.ofMillis(300), null) }
                    timedOut.report().transferred() shouldBe 5000L
                    timedOut.report().byteCount() shouldBe 10_000L
                    timedOut.message shouldStartWith "timed out after 300 ms with 5000 of 10000 bytes received"
                    client.sendFrom(ByteView.wrap(content, 5000, 5000))
                    recv(view.slice(5000), null, null) shouldBe 5000L
                    view shouldBe ByteView.wrap(content)
                }
                TransferCounters.snapshot().timeouts() shouldBeGreaterThanOrEqual timeoutsBefore + 1
            }
        }

        test("a cancelled $path receive throws TransferCancellationException with its report, and the cancellation propagates") {
            withTimeout(30.seconds) {
                val cancellationsBefore = TransferCounters.snapshot().cancellations()
                withLoopback(selector) { client, server ->
                    val recv = receiver(server, path)
                    coroutineScope {
                        val arrived = CompletableDeferred<Unit>()
                        val caught = CompletableDeferred<TransferReport>()
                        val job = launch {
                            try {
                                recv(ByteView.allocate(10_000), null, Progress.every(Duration.ZERO, 5000) { transferred, _ ->
                                    if (transferred == 5000L) arrived.complete(Unit)
                                })
                            } catch (cancelled: TransferCancellationException) {
                                caught.complete(cancelled.report)
                                throw cancelled
                            }
                        }
                        client.sendFrom(ByteView.wrap(randomBytes(5000, 64)))
                        arrived.await()
                        job.cancel()
                        job.join()
                        job.isCancelled shouldBe true
                        caught.await().transferred() shouldBe 5000L
                    }
                    // withTimeout: the block sees the report; outside, withTimeout's own exception.
                    var report: TransferReport? = null
                    shouldThrow<TimeoutCancellationException> {
                        withTimeout(300.milliseconds) {
                            try {
                                recv(ByteView.allocate(10), null, null)
                            } catch (cancelled: TransferCancellationException) {
                                report = cancelled.report
                                throw cancelled
                            }
                        }
                    }
                    report!!.transferred() shouldBe 0L
                }
                TransferCounters.snapshot().cancellations() shouldBeGreaterThanOrEqual cancellationsBefore + 2
            }
        }

        test("a $path send to a peer that stops reading ends at its idle timeout with the exact bytes sent") {
            withTimeout(30.seconds) {
                val view = ByteView.wrap(randomBytes(16 shl 20, 65))
                withLoopback(selector) { client, server ->
                    val send: suspend () -> Long =
                        if (path == "socket") ({ server.sendFrom(view, progress = Progress.ofIdleTimeout(Duration.ofMillis(300))) })
                        else server.openWriteChannel().let { output -> { output.sendFrom(view, progress = Progress.ofIdleTimeout(Duration.ofMillis(300))) } }
                    val stalled = shouldThrow<TransferTimeoutException> { send() }
                    val sent = stalled.report().transferred()
                    sent shouldBeGreaterThan 0L
                    stalled.message shouldStartWith "no progress for 300 ms (the idle timeout) after $sent of ${view.size()} bytes sent"
                    if (path == "socket") {
                        val received = ByteView.allocateDirect(sent)
                        client.recvInto(received)
                        received shouldBe view.slice(0, sent)
                    }
                }
            }
        }

        test("a $path progress listener is told at most every 4 MiB and last the exact total") {
            withTimeout(30.seconds) {
                val content = ByteView.wrap(randomBytes(16 shl 20, 66))
                val calls = Collections.synchronizedList(ArrayList<Long>())
                val progress = Progress.every(Duration.ZERO, 4L shl 20) { transferred, _ -> calls.add(transferred) }
                withLoopback(selector) { client, server ->
                    val recv = receiver(server, path)
                    coroutineScope {
                        launch { client.sendFrom(content) }
                        val received = ByteView.allocateDirect(content.size())
                        recv(received, null, progress) shouldBe content.size()
                        received shouldBe content
                    }
                }
                calls.last() shouldBe content.size()
                calls.size shouldBeLessThanOrEqual 5
                // Every call but the last (at completion, with the exact total) came 4 MiB after the one before.
                (listOf(0L) + calls.dropLast(1)).zipWithNext().forEach { (a, b) -> (b - a) shouldBeGreaterThanOrEqual (4L shl 20) }
            }
        }
    }

    for (mode in listOf(FileMode.ZERO_COPY, FileMode.COPY)) {
        test("a socket sendFile of a whole range in $mode serves a slow reader, followed by progress, and ends a stalled one at its idle timeout with its report") {
            withTimeout(60.seconds) {
                val content = randomBytes(24 shl 20, 68)
                withFile(content) { file ->
                    withLoopback(selector) { client, server ->
                        coroutineScope {
                            val told = Collections.synchronizedList(ArrayList<Long>())
                            val options = FileOptions.defaults().withMode(mode).withProgress(
                                Progress.every(Duration.ofMillis(20), 1) { sent, _ -> told.add(sent) }
                                    .withIdleTimeout(Duration.ofMillis(500))
                            )
                            // The reader takes 2 MiB in 64 KiB pieces, 5 ms apart (far below the idle
                            // timeout), then stops reading.
                            val first = ByteView.allocateDirect(2L shl 20)
                            val reader = launch {
                                var at = 0L
                                while (at < first.size()) {
                                    client.recvInto(first.slice(at, at + (64 shl 10)))
                                    at += 64 shl 10
                                    kotlinx.coroutines.delay(5)
                                }
                            }
                            val stalled = shouldThrow<TransferTimeoutException> { server.sendFile(file, options = options) }
                            reader.join()
                            first shouldBe ByteView.wrap(content, 0, 2 shl 20)
                            val report = stalled.report()
                            report.mode() shouldBe mode
                            report.transferred() shouldBeGreaterThanOrEqual (2L shl 20)
                            (report.zeroCopied() + report.copied()) shouldBe report.transferred()
                            if (mode == FileMode.COPY) report.fallbackCode() shouldBe FallbackCode.FORCED_COPY
                            stalled.message shouldStartWith "no progress for 500 ms (the idle timeout) after ${report.transferred()} of ${content.size}"
                            // Told only of bytes that went out, in order (how often depends on when the
                            // kernel wakes the sender; the rate bound is tested with the core).
                            told.zipWithNext().forEach { (a, b) -> b shouldBeGreaterThan a }
                            told.forEach { it shouldBeLessThanOrEqual report.transferred() }
                            // What the report counts went out, and nothing more: the reader drains it exactly.
                            val rest = ByteView.allocateDirect(report.transferred() - (2L shl 20))
                            client.recvInto(rest)
                            rest shouldBe ByteView.wrap(content, 2 shl 20, rest.size().toInt())
                        }
                    }
                }
            }
        }
    }

    test("a socket sendFile honours the timeout of its options, counting the bytes of each mode") {
        withTimeout(30.seconds) {
            val content = randomBytes(24 shl 20, 69)
            withFile(content) { file ->
                withLoopback(selector) { _, server ->
                    val timedOut = shouldThrow<TransferTimeoutException> {
                        server.sendFile(file, options = FileOptions.defaults().withMode(FileMode.ZERO_COPY).withTimeout(Duration.ofMillis(300)))
                    }
                    timedOut.report().zeroCopied() shouldBe timedOut.report().transferred()
                    timedOut.message shouldStartWith "timed out after 300 ms with ${timedOut.report().transferred()} of ${content.size} bytes sent"
                }
            }
        }
    }

    test("a future's receive that meets the end of stream fails with the report of the bytes that arrived") {
        withTimeout(30.seconds) {
            withLoopback(selector) { client, server ->
                client.sendFrom(ByteView.wrap(randomBytes(600, 70)))
                client.close()
                val view = ByteView.allocate(1000)
                val failed = shouldThrow<ExecutionException> {
                    SocketFutures.recvInto(server, view).let { future ->
                        runCatching { future.await() }
                        future.get()
                    }
                }
                failed.cause.shouldBeInstanceOf<dev.zerocopy.EndOfStreamException>().report().transferred() shouldBe 600L
            }
        }
    }

    test("a future's own timeout fails it with the core's TransferTimeoutException and its report") {
        withTimeout(30.seconds) {
            withLoopback(selector) { client, server ->
                client.sendFrom(ByteView.wrap(randomBytes(700, 67)))
                val failed = shouldThrow<ExecutionException> {
                    SocketFutures.recvInto(server, ByteView.allocate(1000), Duration.ofMillis(300)).let { future ->
                        runCatching { future.await() }
                        future.get()
                    }
                }
                val timedOut = failed.cause.shouldBeInstanceOf<TransferTimeoutException>()
                timedOut.report().transferred() shouldBe 700L
            }
        }
    }
})

/** Receives into a view through the socket itself or through Ktor's read channel opened once on it. */
private fun receiver(server: Socket, path: String): suspend (ByteView, Duration?, Progress?) -> Long {
    if (path == "socket") return { view, timeout, progress -> server.recvInto(view, timeout, progress) }
    val input = server.openReadChannel()
    return { view, timeout, progress -> input.recvInto(view, timeout, progress) }
}

/** Runs [block] with a temporary file holding [content], deleted afterwards. */
private suspend fun <T> withFile(content: ByteArray, block: suspend (Path) -> T): T {
    val file = Files.write(Files.createTempFile("s15api-report", ".bin"), content)
    try {
        return block(file)
    } finally {
        Files.delete(file)
    }
}
