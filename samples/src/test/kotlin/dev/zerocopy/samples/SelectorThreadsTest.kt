package dev.zerocopy.samples

import dev.zerocopy.ByteView
import dev.zerocopy.samples.arrays.ArrayServer
import dev.zerocopy.samples.arrays.Engine
import dev.zerocopy.samples.arrays.Wire
import dev.zerocopy.samples.chat.ChatServer
import dev.zerocopy.samples.load.EchoServer
import dev.zerocopy.samples.stream.StreamConfig
import dev.zerocopy.samples.stream.StreamServer
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import java.nio.file.Path
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport

/**
 * Every sample server waits for readiness in Ktor's selector loop on threads its selector manager
 * owns, never on a worker of the coroutine scheduler behind `Dispatchers.Default` and
 * `Dispatchers.IO`. A worker that runs the selector loop (a task that never ends, on
 * `Dispatchers.IO`) gives up its CPU permit and, while the Default workers stay busy, never gets it
 * back: the coroutines in its local queue wait for as long as the load lasts. The 10-minute soak
 * saw that as a chat client not welcomed within 25 s: its session's coroutine, launched by the
 * accept loop, had not started, though the server had accepted the connection.
 */
@Timeout(60)
class SelectorThreadsTest {

    @TempDir
    lateinit var root: Path

    /**
     * Samples every thread until some wait in Ktor's select (the listener is registered, so the
     * loop spends nearly all its time there), for at most 10 s, and returns their names (with the
     * stack of any that is not a selector manager's own thread).
     */
    private fun selectorThreads(): Set<String> {
        val deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10)
        val seen = HashSet<String>()
        while (System.nanoTime() < deadline) {
            for ((thread, stack) in Thread.getAllStackTraces()) {
                // Waiting in the JDK's select under Ktor's loop (the loop also passes through its
                // select method on whichever thread wakes it, before it yields to its own dispatcher).
                val waiting = stack.any { it.className == "sun.nio.ch.SelectorImpl" && it.methodName == "lockAndDoSelect" }
                if (waiting && stack.any { it.className == "io.ktor.network.selector.ActorSelectorManager" }) {
                    seen += thread.name + if (thread.name.startsWith("zerocopy-selector-")) "" else stack.joinToString("\n  at ", "\n  at ")
                }
            }
            if (seen.isNotEmpty()) return seen
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5))
        }
        throw AssertionError("no thread was seen in Ktor's select within 10 s")
    }

    private fun assertOwnThreads(server: String) {
        val threads = selectorThreads()
        assertTrue(
            threads.all { it.startsWith("zerocopy-selector-") },
            "$server runs Ktor's selector loop on $threads, not on threads of its own",
        )
    }

    @Test
    fun chatServeSelectsOnThreadsOfItsOwn() {
        ChatServer().use { server ->
            runBlocking { server.start("127.0.0.1", 0) }
            assertOwnThreads("chat serve")
        }
    }

    @Test
    fun streamServeSelectsOnThreadsOfItsOwn() {
        StreamServer.start(StreamConfig(root).apply { accessLog = false }).use { assertOwnThreads("stream serve") }
    }

    @Test
    fun echoServeSelectsOnThreadsOfItsOwn() {
        EchoServer.start("127.0.0.1", 0, 1 shl 10, 1 shl 20) { }.use { assertOwnThreads("load echo-serve") }
    }

    @Test
    fun arraysServeOnKtorSelectsOnThreadsOfItsOwn() {
        ArrayServer.start(ByteView.wrap(ByteArray(16)).readOnly(), Wire.RAW, Engine.KTOR, "127.0.0.1", 0).use {
            assertOwnThreads("arrays serve --engine ktor")
        }
    }
}
