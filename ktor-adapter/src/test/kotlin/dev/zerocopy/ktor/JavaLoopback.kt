package dev.zerocopy.ktor

import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.runBlocking

/** A connected pair of Ktor sockets on 127.0.0.1 for Java tests; closing it closes both and the selector. */
class JavaLoopback : AutoCloseable {
    private val selector = SelectorManager(Dispatchers.Default)

    /** The connecting end. */
    val client: Socket

    /** The accepted end. */
    val server: Socket

    init {
        val (connected, accepted) = runBlocking {
            listen(selector).use { listener ->
                coroutineScope {
                    val accepted = async { listener.accept() }
                    aSocket(selector).tcp().connect(listener.localAddress) to accepted.await()
                }
            }
        }
        client = connected
        server = accepted
    }

    override fun close() {
        client.close()
        server.close()
        selector.close()
    }
}
