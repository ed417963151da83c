package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FileMode
import dev.zerocopy.FileOptions
import dev.zerocopy.FrameTooLargeException
import dev.zerocopy.TransferException
import dev.zerocopy.ZeroCopy
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.kotest.matchers.string.shouldStartWith
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import java.io.IOException
import java.net.StandardSocketOptions
import java.nio.channels.ServerSocketChannel
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.StandardOpenOption
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

class SocketTransfersTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    test("a 10 MiB payload crosses both ways byte for byte") {
        withTimeout(30.seconds) {
            val payload = ByteView.wrap(randomBytes(10 shl 20, 1)).readOnly()
            withLoopback(selector) { client, server ->
                coroutineScope {
                    launch { client.sendFrom(payload) shouldBe payload.size() }
                    val atServer = ByteView.allocateDirect(payload.size())
                    server.recvInto(atServer)
                    atServer shouldBe payload
                    launch { server.sendFrom(atServer) }
                    val atClient = ByteView.allocate(payload.size().toInt())
                    client.recvInto(atClient)
                    atClient shouldBe payload
                }
            }
        }
    }

    test("the seed's 400 MB of doubles arrives into a preallocated view") {
        withTimeout(60.seconds) {
            val count = 50_000_000
            val sent = ByteView.allocateDirect(count * 8L)
            val doubles = sent.asDoubles()
            for (i in 0 until count) doubles.put(i, i.toDouble())
            val received = ByteView.allocateDirect(count * 8L)
            withLoopback(selector) { client, server ->
                coroutineScope {
                    launch { server.sendFrom(sent) }
                    client.recvInto(received) shouldBe 400_000_000L
                }
            }
            val a = received.asDoubles()
            (0 until 10).map { a[it] } shouldBe (0 until 10).map { it.toDouble() }
            a[count - 1] shouldBe 49_999_999.0
            received shouldBe sent
        }
    }

    test("gathered views and frames arrive whole, and an oversized frame leaves its payload unread") {
        withTimeout(30.seconds) {
            val bytes = randomBytes(3 shl 20, 2)
            val whole = ByteView.wrap(bytes)
            withLoopback(selector) { client, server ->
                coroutineScope {
                    launch {
                        client.sendFrom(listOf(whole.slice(0, 5), ByteView.empty(), whole.slice(5)))
                        client.sendFrame(whole)
                        client.sendFrame(whole.slice(0, 100))
                        client.sendFrame(whole.slice(0, 100))
                    }
                    val gathered = ByteView.allocate(bytes.size)
                    server.recvInto(gathered)
                    gathered shouldBe whole
                    server.recvFrame(bytes.size) shouldBe whole
                    val small = ByteView.allocate(10)
                    val tooLarge = shouldThrow<FrameTooLargeException> { server.recvFrame(small) }
                    tooLarge.frameSize() shouldBe 100L
                    val rest = ByteView.allocate(100)
                    server.recvInto(rest)
                    rest shouldBe whole.slice(0, 100)
                    server.recvFrame(ByteView.allocateDirect(1000)) shouldBe whole.slice(0, 100)
                }
            }
        }
    }

    for (mode in FileMode.entries) {
        test("sendFile of a 64 MiB file in $mode mode arrives intact, and recvFile writes it at an offset") {
            withTimeout(60.seconds) {
                val content = randomBytes(64 shl 20, 3)
                val file = Files.write(Files.createTempFile("zerocopy", ".bin"), content)
                val copy = Files.createTempFile("zerocopy", ".copy")
                try {
                    withLoopback(selector) { client, server ->
                        coroutineScope {
                            val sent = async {
                                server.sendFile(file, 1001, content.size - 2001L, FileOptions.defaults().withMode(mode))
                            }
                            FileChannel.open(copy, StandardOpenOption.WRITE).use { out ->
                                val received = client.recvFile(out, 7, content.size - 2001L,
                                    FileOptions.defaults().withMode(mode))
                                received.transferred() shouldBe content.size - 2001L
                            }
                            val transfer = sent.await()
                            transfer.transferred() shouldBe content.size - 2001L
                            if (mode == FileMode.AUTO) {
                                transfer.autoReason() shouldContain "peers on this machine"
                            } else {
                                transfer.mode() shouldBe mode
                            }
                        }
                    }
                    val written = Files.readAllBytes(copy)
                    ByteView.wrap(written, 7, content.size - 2001) shouldBe ByteView.wrap(content, 1001, content.size - 2001)
                } finally {
                    Files.delete(file)
                    Files.delete(copy)
                }
            }
        }
    }

    test("a receive cancelled by withTimeout keeps its bytes and the socket receives again") {
        withTimeout(30.seconds) {
            val bytes = randomBytes(100, 4)
            withLoopback(selector) { client, server ->
                val view = ByteView.allocate(100)
                server.sendFrom(ByteView.wrap(bytes, 0, 10))
                shouldThrow<TimeoutCancellationException> {
                    withTimeout(200.milliseconds) { client.recvInto(view) }
                }
                view.slice(0, 10) shouldBe ByteView.wrap(bytes, 0, 10)
                coroutineScope {
                    // Undispatched: the receive is suspended in select before the rest is sent.
                    val rest = async(start = CoroutineStart.UNDISPATCHED) { client.recvInto(view.slice(10)) }
                    server.sendFrom(ByteView.wrap(bytes, 10, 90))
                    rest.await() shouldBe 90L
                }
                view shouldBe ByteView.wrap(bytes)
            }
        }
    }

    test("a send cancelled part way marks the socket broken for later sends") {
        withTimeout(30.seconds) {
            withLoopback(selector) { client, server ->
                val big = ByteView.allocateDirect(64 shl 20)
                shouldThrow<TimeoutCancellationException> {
                    withTimeout(300.milliseconds) { server.sendFrom(big) }
                }
                val broken = shouldThrow<IOException> { server.sendFrom(ByteView.allocate(1)) }
                broken.message shouldStartWith "the connection is broken for sending: a send ended after "
                broken.message shouldContain " of 67108864 bytes, so the peer saw a partial message"
                client.recvSome(ByteView.allocate(16)) shouldBe 16
            }
        }
    }

    test("a socket closed while a receive is suspended ends it with an IOException") {
        withTimeout(30.seconds) {
            withLoopback(selector) { client, _ ->
                coroutineScope {
                    val receiving = async { runCatching { client.recvInto(ByteView.allocate(8)) } }
                    launch { client.close() }
                    val failure = receiving.await().exceptionOrNull()
                    failure.shouldBeInstanceOf<TransferException>()
                    failure.message shouldStartWith "failed after 0 of 8 bytes received: "
                }
            }
        }
    }

    test("a socket closed just as its receive reaches the transfer loop ends it with the counts, every time") {
        // The close races the loop taking the receive on; a key cancelled between the loop's
        // check and its interest update once escaped as a bare CancelledKeyException.
        // A closed socket's receive ends at the loop's next look for closed channels (100 ms),
        // so the 800 rounds run 32 at a time (before the fix, 1 to 6 of them failed).
        withTimeout(60.seconds) {
            val outcomes = mutableMapOf<String, Int>()
            coroutineScope {
                repeat(32) {
                    launch {
                        repeat(25) {
                            withLoopback(selector) { client, _ ->
                                val receiving = async { runCatching { client.recvInto(ByteView.allocate(8)) } }
                                launch { client.close() }
                                val failure = receiving.await().exceptionOrNull()
                                val counted = failure is TransferException &&
                                    failure.message!!.startsWith("failed after 0 of 8 bytes received: ")
                                outcomes.merge(if (counted) "counted" else failure.toString(), 1, Int::plus)
                            }
                        }
                    }
                }
            }
            outcomes shouldBe mapOf("counted" to 800)
        }
    }

    for (throughKtorChannel in listOf(false, true)) {
        val path = if (throughKtorChannel) "Ktor's read channel" else "the socket"
        test("a peer reset ends a receive on $path with the counts and the reset as its cause") {
            withTimeout(30.seconds) {
                ServerSocketChannel.open().use { listener ->
                    listener.bind(java.net.InetSocketAddress("127.0.0.1", 0))
                    val address = listener.localAddress as java.net.InetSocketAddress
                    aSocket(selector).tcp().connect("127.0.0.1", address.port).use { client ->
                        listener.accept().use { peer ->
                            ZeroCopy.sendFrom(peer, ByteView.wrap(randomBytes(100, 6)))
                            val input = if (throughKtorChannel) client.openReadChannel() else null
                            val into = ByteView.allocate(1000)
                            suspend fun recv(view: ByteView) = input?.recvInto(view) ?: client.recvInto(view)
                            recv(into.slice(0, 100))
                            peer.setOption(StandardSocketOptions.SO_LINGER, 0)
                            peer.close()
                            val reset = shouldThrow<TransferException> { recv(into.slice(100, 1000)) }
                            reset.transferred() shouldBe 0L
                            reset.byteCount() shouldBe 900L
                            reset.cause.shouldBeInstanceOf<IOException>()
                            reset.message shouldBe "failed after 0 of 900 bytes received: ${reset.cause}"
                            reset.cause!!.message shouldContain "Connection reset"
                        }
                    }
                }
            }
        }
    }

    test("frames that arrive a few bytes at a time land whole in one reused view, shorter ones in its start") {
        withTimeout(30.seconds) {
            val sizes = listOf(5000, 100, 3000, 5000)
            val payloads = sizes.mapIndexed { i, size -> randomBytes(size, 40L + i) }
            val stream = java.nio.ByteBuffer.allocate(sizes.sum() + 8 * sizes.size)
            payloads.forEach { stream.putLong(it.size.toLong()).put(it) }
            stream.flip()
            ServerSocketChannel.open().use { listener ->
                listener.bind(java.net.InetSocketAddress("127.0.0.1", 0))
                val address = listener.localAddress as java.net.InetSocketAddress
                aSocket(selector).tcp().connect("127.0.0.1", address.port).use { client ->
                    listener.accept().use { peer ->
                        // A plain thread writes 7 bytes at a time, so that headers and payloads split across waits.
                        val writer = Thread {
                            while (stream.hasRemaining()) {
                                val piece = stream.duplicate().limit(minOf(stream.limit(), stream.position() + 7))
                                stream.position(stream.position() + peer.write(piece))
                            }
                        }.apply { start() }
                        val into = ByteView.allocateDirect(5000)
                        for (payload in payloads) {
                            client.recvFrame(into) shouldBe ByteView.wrap(payload)
                        }
                        writer.join()
                    }
                }
            }
        }
    }

    test("a peer that closes mid-transfer ends the receive with the bytes received") {
        withTimeout(30.seconds) {
            withLoopback(selector) { client, server ->
                server.sendFrom(ByteView.wrap(randomBytes(1000, 5)))
                server.close()
                val eof = shouldThrow<EndOfStreamException> { client.recvInto(ByteView.allocate(5000)) }
                eof.message shouldBe "stream ended after 1000 of 5000 bytes"
                client.recvSome(ByteView.allocate(10)) shouldBe -1
            }
        }
    }

    test("frame errors read as core's: an end inside the header, and an allocator that returns too little") {
        withTimeout(10.seconds) {
            withLoopback(selector) { client, server ->
                client.sendFrame(ByteView.allocate(100))
                shouldThrow<IllegalStateException> { server.recvFrame(maxSize = 100) { ByteView.allocate(99) } }
                    .message shouldBe "allocator returned 99 bytes for a 100-byte payload"
                server.recvInto(ByteView.allocate(100)) // the refused payload is still there
                client.sendFrom(ByteView.allocate(3))
                client.close()
                shouldThrow<EndOfStreamException> { server.recvFrame(maxSize = 100) }.message shouldBe
                    "stream ended after 3 of 8 frame header bytes"
            }
        }
    }
})
