package dev.zerocopy.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.types.shouldBeInstanceOf
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.withTimeout
import java.nio.channels.SocketChannel
import kotlin.time.Duration.Companion.seconds

/**
 * The adapter drives the core's transfers on the NIO channel behind a Ktor socket.
 * If a Ktor upgrade stops exposing it, this fails first and says why.
 *
 * Passes on Ktor 3.6.1 (the build's version) and 3.5.2; to try another version:
 * `mvn -B verify -pl core,ktor-adapter -Dktor.version=X.Y.Z`. The README's "Ktor versions"
 * lists the versions it accepts.
 */
class KtorSocketCanaryTest : FunSpec({

    test("a connected Ktor TCP socket is Selectable and exposes its non-blocking SocketChannel") {
        withTimeout(10.seconds) {
            SelectorManager().use { selector ->
                aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)).use { server ->
                    aSocket(selector).tcp().connect(server.localAddress).use { client ->
                        server.accept().use { accepted ->
                            for (socket in listOf(client, accepted)) {
                                val selectable = socket.shouldBeInstanceOf<Selectable>()
                                val channel = selectable.channel.shouldBeInstanceOf<SocketChannel>()
                                channel.isBlocking shouldBe false
                                channel.isConnected shouldBe true
                            }
                        }
                    }
                }
            }
        }
    }

    test("Ktor's sockets still record who opened their read and write channels, so the adapter can refuse a second owner") {
        dev.zerocopy.ktor.internal.ownerCheckAvailable shouldBe true
    }
})
