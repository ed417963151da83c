package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeout
import kotlin.time.Duration.Companion.seconds

class OwnershipTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    test("after openReadChannel the adapter refuses to receive on the socket, and sending stays free") {
        withTimeout(10.seconds) {
            withLoopback(selector) { client, server ->
                val input = server.openReadChannel()
                shouldThrow<IllegalStateException> { server.recvInto(ByteView.allocate(4)) }.message shouldBe
                    "openReadChannel() was called on this socket, so Ktor's channel owns it for receiving; " +
                    "receive through that channel (the adapter's extensions on it) instead of the socket"
                shouldThrow<IllegalStateException> { server.recvSome(ByteView.allocate(4)) }
                shouldThrow<IllegalStateException> { server.recvFrame(maxSize = 4) }
                coroutineScope {
                    launch { client.sendFrom(ByteView.wrap("ping".toByteArray())) }
                    val ping = ByteView.allocate(4)
                    input.recvInto(ping) // the refused calls consumed nothing
                    String(ping.toByteArray()) shouldBe "ping"
                    launch { server.sendFrom(ByteView.wrap("pong".toByteArray())) }
                    val pong = ByteView.allocate(4)
                    client.recvInto(pong)
                    String(pong.toByteArray()) shouldBe "pong"
                }
            }
        }
    }

    test("after openWriteChannel the adapter refuses to send on the socket") {
        withTimeout(10.seconds) {
            withLoopback(selector) { client, _ ->
                client.openWriteChannel()
                shouldThrow<IllegalStateException> { client.sendFrom(ByteView.allocate(4)) }.message shouldContain
                    "openWriteChannel() was called on this socket"
                shouldThrow<IllegalStateException> { client.sendFrame(ByteView.allocate(4)) }
            }
        }
    }
})
