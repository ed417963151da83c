package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.ViewPool
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeout
import java.util.concurrent.atomic.AtomicInteger
import kotlin.system.exitProcess
import kotlin.time.Duration.Companion.seconds

/**
 * The service of issue 12, rewritten with the pool: [clients] concurrent loopback
 * clients each receive one [frameSize]-byte frame with `recvFrame(maxSize, pool)`,
 * check it and release it. Run in a JVM of its own with
 * `-XX:+DisableExplicitGC -XX:MaxDirectMemorySize=64m`, where allocating a direct
 * view per frame runs out of direct memory (the third argument `direct` does that,
 * to show the failure). Prints one line of figures and exits with 0 only if every
 * client got its frame intact and every view went back.
 */
fun main(args: Array<String>) {
    val clients = args.getOrElse(0) { "1000" }.toInt()
    val frameSize = args.getOrElse(1) { (1 shl 20).toString() }.toInt()
    val pooled = args.getOrElse(2) { "pooled" } == "pooled"
    val pool = ViewPool(32L shl 20)
    val payload = ByteView.allocateDirect(frameSize.toLong()).also { view ->
        val buffer = view.buffer()
        for (i in 0 until frameSize) buffer.put(i, (i * 31 + 7).toByte())
    }.readOnly()
    val errors = AtomicInteger()
    runBlocking {
        withTimeout(120.seconds) {
            SelectorManager(Dispatchers.Default).use { selector ->
                listen(selector, backlog = 4096).use { listener ->
                    coroutineScope {
                        val server = launch {
                            repeat(clients) {
                                val socket = listener.accept()
                                launch { socket.use { it.sendFrame(payload) } }
                            }
                        }
                        val connecting = Semaphore(256)
                        (1..clients).map {
                            async(Dispatchers.Default) {
                                try {
                                    connecting.withPermit { aSocket(selector).tcp().connect(listener.localAddress) }
                                        .use { socket ->
                                            val frame = if (pooled) {
                                                socket.recvFrame(frameSize, pool)
                                            } else {
                                                socket.recvFrame(frameSize) { ByteView.allocateDirect(it.toLong()) }
                                            }
                                            frame.use { check(it == payload) { "frame content differs" } }
                                        }
                                } catch (e: OutOfMemoryError) {
                                    // The failure this program exists to show: say so and stop at once.
                                    println("clients=$clients errors=${errors.incrementAndGet()} first: $e")
                                    exitProcess(1)
                                } catch (e: Exception) {
                                    if (errors.incrementAndGet() <= 3) e.printStackTrace()
                                }
                            }
                        }.awaitAll()
                        server.join()
                    }
                }
            }
        }
    }
    val figures = pool.figures()
    println("clients=$clients errors=${errors.get()} $figures")
    exitProcess(if (errors.get() == 0 && figures.viewsOut() == 0L) 0 else 1)
}
