package dev.zerocopy.ktor

import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import java.util.SplittableRandom

/** A connected pair of Ktor sockets on 127.0.0.1, closed (with the listener) after [block]. */
suspend fun <T> withLoopback(selector: SelectorManager, block: suspend (client: Socket, server: Socket) -> T): T =
    listen(selector).use { listener ->
        coroutineScope {
            val accepted = async { listener.accept() }
            aSocket(selector).tcp().connect(listener.localAddress).use { client ->
                accepted.await().use { server -> block(client, server) }
            }
        }
    }

suspend fun listen(selector: SelectorManager, backlog: Int = 1024): ServerSocket =
    aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)) { backlogSize = backlog }

fun randomBytes(size: Int, seed: Long): ByteArray {
    val random = SplittableRandom(seed)
    return ByteArray(size) { random.nextInt().toByte() }
}

/** Tests that run only with `mvn verify -Pstress`, which sets this property. */
val stressRuns: Boolean = System.getProperty("zerocopy.stress") == "true"
