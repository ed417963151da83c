package dev.zerocopy.samples.chat

import dev.zerocopy.samples.arrays.Background
import dev.zerocopy.samples.arrays.awaitPort
import dev.zerocopy.samples.arrays.runCommand
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout

@Timeout(60)
class ChatCommandTest {

    @Test
    fun chatServeRunsUntilInterruptedAndTalksToLineClients() {
        val server = Background("chat", "serve", "--port", "0", "--max-line", "100")
        server.use {
            val port = it.awaitPort()
            LineClient(port).use { a ->
                a.nick("ann")
                LineClient(port).use { b ->
                    b.send("hi ann")
                    b.send("x".repeat(101))
                    b.expect("error: line longer than 100 bytes; disconnecting")
                }
                a.expect("* guest2 joined")
                a.expect("guest2: hi ann")
                a.expect("* guest2 left (line too long)")
            }
            it.out.await(Regex("guest2 left \\(line too long\\)"))
        }
        assertEquals(0, server.awaitExit(5), server.err.toString())
        assertTrue("chat serve: stopped" in server.out.toString(), server.out.toString())
    }

    @Test
    fun chatBotsReportsRateAndLatencyAgainstALocalServer() {
        ChatServer().use { chat ->
            val port = runBlocking { chat.start() }

            val outcome = runCommand("chat", "bots", "--port", "$port", "--count", "20", "--messages", "3", "--interval", "10")

            assertEquals(0, outcome.exitCode, outcome.toString())
            assertTrue("bots: 20 connected to 127.0.0.1:$port" in outcome.out, outcome.toString())
            assertTrue("bots: 60 messages sent; 1140 of 1140 deliveries (every bot got every message, in order)" in outcome.out, outcome.toString())
            assertTrue(Regex("""messages/s delivered over [\d.]+ s; latency p50 [\d.]+ ms, p99 [\d.]+ ms""").containsMatchIn(outcome.out), outcome.toString())
        }
    }

    @Test
    fun chatBotsOnlyTargetsLoopback() {
        val outcome = runCommand("chat", "bots", "--host", "192.0.2.1", "--count", "2")

        assertEquals(2, outcome.exitCode, outcome.toString())
        assertTrue("chat bots only targets loopback addresses; 192.0.2.1 is 192.0.2.1" in outcome.err, outcome.toString())
    }

    @Test
    fun chatBotsWithoutAServerSaysSo() {
        val port = java.net.ServerSocket(0).use { it.localPort }

        val outcome = runCommand("chat", "bots", "--port", "$port", "--count", "2")

        assertEquals(1, outcome.exitCode, outcome.toString())
        assertTrue("is chat serve running on 127.0.0.1:$port?" in outcome.err, outcome.toString())
    }

    @Test
    fun everyChatCommandHasHelp() {
        for (command in listOf(arrayOf("chat"), arrayOf("chat", "serve"), arrayOf("chat", "bots"))) {
            val outcome = runCommand(*command, "--help")
            assertEquals(0, outcome.exitCode, outcome.toString())
            assertTrue("Usage: zerocopy-samples ${command.joinToString(" ")}" in outcome.out, outcome.toString())
        }
        val bots = runCommand("chat", "bots", "--help").out
        for (option in listOf("--count", "--messages", "--duration", "--interval")) assertTrue(option in bots, bots)
    }
}
