package dev.zerocopy.benchmarks.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.ktor.recvInto
import dev.zerocopy.ktor.sendFrom
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.io.Closeable

/** Connections are made this many at a time, well inside the listener's backlog. */
private const val CONNECT_BATCH = 256

/**
 * [count] connections on 127.0.0.1 through one Ktor selector, both ends in this JVM
 * (2 x [count] sockets), for the concurrency benchmark.
 */
class KtorConnections private constructor(
    private val selector: SelectorManager,
    private val listener: ServerSocket,
    private val clients: List<Socket>,
    private val servers: List<Socket>,
) : Closeable {

    /**
     * Every connection moves [chunks] copies of [send] from its client to its server end at
     * once (and as many from its server to its client end if [bothWays]), the receiving end
     * receiving into slot `i % slots.size` of [slots]; returns when all have arrived. Senders
     * and receivers are coroutines on [Dispatchers.Default].
     */
    fun round(chunks: Int, send: ByteView, slots: List<ByteView>, bothWays: Boolean, timeoutMillis: Long) {
        runBlocking(Dispatchers.Default) {
            withTimeout(timeoutMillis) {
                // Each connection carries the same bytes, so it does not matter which accepted
                // socket belongs to which client: every end has the same count to move.
                for (i in clients.indices) {
                    launch { repeat(chunks) { clients[i].sendFrom(send) } }
                    launch {
                        val slot = slots[i % slots.size]
                        repeat(chunks) { servers[i].recvInto(slot) }
                    }
                    if (bothWays) {
                        launch { repeat(chunks) { servers[i].sendFrom(send) } }
                        launch {
                            val slot = slots[i % slots.size]
                            repeat(chunks) { clients[i].recvInto(slot) }
                        }
                    }
                }
            }
        }
    }

    override fun close() {
        // Sockets first, then the listener and the selector they are registered with.
        val failures = (clients + servers + listOf(listener, selector)).mapNotNull {
            runCatching { it.close() }.exceptionOrNull()
        }
        failures.firstOrNull()?.let { first ->
            failures.drop(1).forEach(first::addSuppressed)
            throw first
        }
    }

    companion object {
        /** Opens [count] connections within [timeoutMillis]; on failure, closes what it opened. */
        @JvmStatic
        fun open(count: Int, timeoutMillis: Long): KtorConnections {
            val selector = KtorPaths.selector()
            val opened = ArrayList<Closeable>()
            opened.add(selector)
            try {
                return runBlocking {
                    withTimeout(timeoutMillis) {
                        val listener = aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)) {
                            backlogSize = 2 * CONNECT_BATCH
                        }
                        opened.add(listener)
                        coroutineScope {
                            val accepted = async { List(count) { listener.accept().also { opened.add(it) } } }
                            val clients = ArrayList<Socket>(count)
                            for (start in 0 until count step CONNECT_BATCH) {
                                clients += (start until minOf(count, start + CONNECT_BATCH)).map {
                                    async { aSocket(selector).tcp().connect(listener.localAddress) }
                                }.awaitAll().onEach { opened.add(it) }
                            }
                            KtorConnections(selector, listener, clients, accepted.await())
                        }
                    }
                }
            } catch (e: Throwable) {
                opened.asReversed().forEach { runCatching { it.close() }.exceptionOrNull()?.let(e::addSuppressed) }
                throw e
            }
        }
    }
}
