package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FallbackCode
import dev.zerocopy.FileMode
import dev.zerocopy.FileOptions
import dev.zerocopy.FrameTooLargeException
import dev.zerocopy.Frames
import dev.zerocopy.TransferException
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.close
import io.ktor.utils.io.writeFully
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlinx.coroutines.withTimeoutOrNull
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.utils.io.writeAvailable
import java.nio.ByteBuffer
import java.io.IOException
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.StandardOpenOption
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class ChannelTransfersTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    test("views, gathered views and frames cross Ktor's socket channels byte for byte") {
        withTimeout(30.seconds) {
            val payload = ByteView.wrap(randomBytes(10 shl 20, 21)).readOnly()
            withLoopback(selector) { client, server ->
                val output = client.openWriteChannel()
                val input = server.openReadChannel()
                coroutineScope {
                    launch {
                        output.sendFrom(payload) shouldBe payload.size()
                        output.sendFrom(listOf(payload.slice(0, 3), ByteView.empty(), payload.slice(3, 1000)))
                        output.sendFrame(payload.slice(0, 777))
                        output.sendFrame(payload.slice(0, 5000))
                    }
                    val whole = ByteView.allocateDirect(payload.size())
                    input.recvInto(whole) shouldBe payload.size()
                    whole shouldBe payload
                    val gathered = ByteView.allocate(1000)
                    input.recvInto(gathered)
                    gathered shouldBe payload.slice(0, 1000)
                    input.recvFrame(maxSize = 1000) shouldBe payload.slice(0, 777)
                    val tooLarge = shouldThrow<FrameTooLargeException> { input.recvFrame(ByteView.allocate(4999)) }
                    tooLarge.frameSize() shouldBe 5000L
                    val rest = ByteView.allocate(5000) // the payload of the refused frame is still unread
                    input.recvInto(rest)
                    rest shouldBe payload.slice(0, 5000)
                }
            }
        }
    }

    for (declared in listOf(Int.MAX_VALUE.toLong(), Int.MAX_VALUE - 1L)) {
        test("a header declaring $declared bytes is refused by recvFrame(Int.MAX_VALUE) on a socket and a channel") {
            withTimeout(10.seconds) {
                val header = Frames.header(declared).toByteArray()
                val channel = ByteChannel()
                channel.writeFully(header)
                channel.flush()
                val fromChannel = shouldThrow<FrameTooLargeException> { channel.recvFrame(Int.MAX_VALUE) }
                withLoopback(selector) { client, server ->
                    client.sendFrom(ByteView.wrap(header))
                    val fromSocket = shouldThrow<FrameTooLargeException> { server.recvFrame(Int.MAX_VALUE) }
                    for (refused in listOf(fromChannel, fromSocket)) {
                        refused.frameSize() shouldBe declared
                        refused.limit() shouldBe Int.MAX_VALUE - 8L
                    }
                }
            }
        }
    }

    test("recvSome returns what Ktor has buffered, and -1 after the writer closes") {
        withTimeout(10.seconds) {
            val channel = ByteChannel()
            val view = ByteView.allocate(100)
            val waiting = async(start = CoroutineStart.UNDISPATCHED) { channel.recvSome(view) }
            channel.writeFully(byteArrayOf(1, 2, 3))
            channel.flush()
            waiting.await() shouldBe 3
            view.slice(0, 3) shouldBe ByteView.wrap(byteArrayOf(1, 2, 3))
            channel.close()
            channel.recvSome(view) shouldBe -1
        }
    }

    test("a channel that ends inside a frame header says so with the counts") {
        withTimeout(10.seconds) {
            val channel = ByteChannel()
            channel.writeFully(byteArrayOf(0, 0, 0))
            channel.close()
            shouldThrow<EndOfStreamException> { channel.recvFrame(maxSize = 10) }.message shouldBe
                "stream ended after 3 of 8 frame header bytes"
        }
    }

    test("a file goes through Ktor's channels by the copy loop, which the result reports with its reason") {
        withTimeout(60.seconds) {
            val file = Files.createTempFile("zerocopy-channel", ".bin")
            val copy = Files.createTempFile("zerocopy-channel-copy", ".bin")
            try {
                val bytes = randomBytes(9 shl 20, 22)
                Files.write(file, bytes)
                withLoopback(selector) { client, server ->
                    val output = client.openWriteChannel()
                    val input = server.openReadChannel()
                    coroutineScope {
                        val sent = async {
                            output.sendFile(file, options = FileOptions.defaults().withMode(FileMode.ZERO_COPY))
                        }
                        FileChannel.open(copy, StandardOpenOption.WRITE).use { target ->
                            val received = input.recvFile(target, 5, bytes.size.toLong())
                            received.transferred() shouldBe bytes.size.toLong()
                            received.mode() shouldBe FileMode.COPY
                            received.fallbackCode() shouldBe FallbackCode.NOT_A_JDK_CHANNEL
                        }
                        val transfer = sent.await()
                        transfer.transferred() shouldBe bytes.size.toLong()
                        transfer.mode() shouldBe FileMode.COPY
                        transfer.fallbackReason() shouldContain "Ktor's write channel is not a JDK channel"
                        transfer.fallbackCode() shouldBe FallbackCode.NOT_A_JDK_CHANNEL
                    }
                }
                val written = Files.readAllBytes(copy)
                written.size shouldBe bytes.size + 5
                written.copyOfRange(5, written.size) shouldBe bytes
            } finally {
                Files.delete(file)
                Files.delete(copy)
            }
        }
    }

    test("a send through a channel cancelled part way marks that channel broken for later sends") {
        withTimeout(30.seconds) {
            val payload = ByteView.allocateDirect(64 shl 20)
            withLoopback(selector) { client, _ ->
                val output = client.openWriteChannel()
                // Nobody reads, so the send stops once the socket and Ktor's buffers are full.
                shouldThrow<TimeoutCancellationException> { withTimeout(300.milliseconds) { output.sendFrom(payload) } }
                shouldThrow<IOException> { output.sendFrom(ByteView.allocate(1)) }.message shouldContain
                    "the connection is broken for sending: a send ended after"
            }
        }
    }

    test("a receive through a channel cancelled part way keeps its bytes, and the next receive gets the rest") {
        withTimeout(10.seconds) {
            val channel = ByteChannel()
            channel.writeFully(byteArrayOf(1, 2, 3))
            channel.flush()
            val view = ByteView.allocate(6)
            shouldThrow<TimeoutCancellationException> { withTimeout(100.milliseconds) { channel.recvInto(view) } }
            view.slice(0, 3) shouldBe ByteView.wrap(byteArrayOf(1, 2, 3))
            channel.writeFully(byteArrayOf(4, 5, 6))
            channel.flush()
            val rest = ByteView.allocate(3)
            channel.recvInto(rest)
            rest shouldBe ByteView.wrap(byteArrayOf(4, 5, 6))
        }
    }

    test("a socket closed while a channel receive waits ends it with an IOException, not a cancellation") {
        withTimeout(10.seconds) {
            withLoopback(selector) { _, server ->
                val input = server.openReadChannel()
                val waiting = async(start = CoroutineStart.UNDISPATCHED) {
                    runCatching { input.recvInto(ByteView.allocate(10)) }.exceptionOrNull()
                }
                server.close()
                val failure = waiting.await()
                failure.shouldBeInstanceOf<TransferException>()
                failure.message shouldContain "failed after 0 of 10 bytes received"
            }
        }
    }

    test("a send cancelled in its final flush marks the channel broken: the caller cannot know what the peer saw") {
        withTimeout(10.seconds) {
            val output = ByteChannel()
            output.writeAvailable(ByteBuffer.allocate(2 shl 20)) // buffered in Ktor; nobody reads
            withTimeoutOrNull(300.milliseconds) { output.sendFrom(ByteView.wrap(byteArrayOf(7, 8, 9))) } shouldBe null
            shouldThrow<IOException> { output.sendFrom(ByteView.allocate(1)) }.message shouldBe
                "the connection is broken for sending: a send ended after 3 of 3 bytes, so the peer saw a partial message"
        }
    }
})
