package dev.zerocopy.samples.arrays

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.net.ServerSocket

private const val HEAD = "a[0:10] = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]"

private fun assertContains(outcome: Outcome, vararg expected: String) {
    for (text in expected) assertTrue(text in outcome.out || text in outcome.err, "missing \"$text\" in\n$outcome")
}

@Timeout(60)
class ArraysCommandTest {

    @Test
    fun demoWithNoOptionsMovesTheRecipesFourHundredMegabytesThroughTheKtorAdapter() {
        val outcome = runCommand("arrays", "demo")

        assertEquals(0, outcome.exitCode, outcome.toString())
        assertContains(
            outcome,
            "arange(0.0, 50000000.0), 400,000,000 bytes x 1",
            "raw wire, ktor engine",
            HEAD,
            "a[-1] = 49999999.0",
            "checked: a[i] == i for all 50,000,000 doubles",
            "demo ok: 400,000,000 bytes in ",
            "modes: views 400,000,000 bytes sent, 400,000,000 received (written from and read into their own memory, no file mode); " +
                "file transfers: 0 bytes zero-copy, 0 copied; fallbacks: none; waits for readiness: ",
        )
        assertTrue("receiving 100%" in outcome.err, "no finished progress bar on stderr:\n${outcome.err}")
    }

    @Test
    fun demoOverTheBlockingCoreRepeatsFramedTransfersIntoTheSameView() {
        val outcome = runCommand("arrays", "demo", "--engine", "core", "--wire", "framed", "--repeat", "3", "-n", "1000000", "--no-progress")

        assertEquals(0, outcome.exitCode, outcome.toString())
        assertContains(
            outcome,
            "transfer 1/3: received 8,000,000 bytes",
            "transfer 3/3: received 8,000,000 bytes",
            "median of 3:",
            "a[-1] = 999999.0",
            "demo ok: 24,000,000 bytes in ",
            "modes: views 24,000,000 bytes sent, 24,000,000 received",
            "file transfers: 0 bytes zero-copy, 0 copied; fallbacks: none",
        )
        assertEquals("", outcome.err, "nothing on stderr without a progress bar")
    }

    @Test
    fun serveAndFetchOverTheRawWireWithTheBlockingCore() {
        Background("arrays", "serve", "--port", "0", "--connections", "1", "-n", "2000000").use { server ->
            val port = server.awaitPort()

            val fetch = runCommand("arrays", "fetch", "--port", "$port", "-n", "2000000")

            assertEquals(0, fetch.exitCode, fetch.toString())
            assertContains(fetch, "transfer 1/1: received 16,000,000 bytes in ", HEAD, "a[-1] = 1999999.0", "checked: a[i] == i for all 2,000,000 doubles")
            assertEquals(0, server.awaitExit(), "serve exits after its one connection:\n${server.out}")
            assertTrue("sent 16,000,000 bytes (raw) to /127.0.0.1:" in server.out.toString(), server.out.toString())
            assertContains(fetch, "modes: views 0 bytes sent, 16,000,000 received", "fallbacks: none")
            assertTrue("modes: views 16,000,000 bytes sent, 0 received" in server.out.toString(), server.out.toString())
        }
    }

    @Test
    fun serveAndFetchOverTheFramedWireWithTheKtorAdapter() {
        Background("arrays", "serve", "--port", "0", "--connections", "1", "--engine", "ktor", "--wire", "framed", "-r", "2", "-n", "1500000").use { server ->
            val port = server.awaitPort()

            val fetch = runCommand("arrays", "fetch", "--port", "$port", "--engine", "ktor", "--wire", "framed", "-r", "2", "-n", "1500000", "--progress")

            assertEquals(0, fetch.exitCode, fetch.toString())
            assertContains(fetch, "transfer 2/2: received 12,000,000 bytes in ", HEAD, "a[-1] = 1499999.0", "receiving 100%")
            assertEquals(0, server.awaitExit(), server.out.toString())
            assertTrue("sent 24,000,000 bytes (framed)" in server.out.toString(), server.out.toString())
        }
    }

    @Test
    fun serveWithoutAConnectionCountServesEveryoneUntilInterrupted() {
        for (engine in listOf("core", "ktor")) {
            val server = Background("arrays", "serve", "--port", "0", "-n", "1000", "--engine", engine)
            server.use {
                val port = it.awaitPort()
                assertTrue("until interrupted" in it.out.toString(), it.out.toString())
                repeat(3) { assertEquals(0, runCommand("arrays", "fetch", "--port", "$port", "-n", "1000").exitCode) }
                it.out.await(Regex("(?s)(sent 8,000 bytes.*){3}"))
            }
            assertEquals(0, server.awaitExit(5), "$engine: ${server.out}${server.err}")
            assertTrue("arrays serve: stopped" in server.out.toString(), server.out.toString())
        }
    }

    @Test
    fun aFramedFetchTakesAShorterFrameThanItsViewAndReportsItsSize() {
        Background("arrays", "serve", "--port", "0", "--connections", "1", "--wire", "framed", "-n", "1000").use { server ->
            val fetch = runCommand("arrays", "fetch", "--port", "${server.awaitPort()}", "--wire", "framed", "-n", "5000")

            assertEquals(0, fetch.exitCode, fetch.toString())
            assertContains(fetch, "received 8,000 bytes", "a[-1] = 999.0", "checked: a[i] == i for all 1,000 doubles")
        }
    }

    @Test
    fun aFramedFetchRefusesAFrameLargerThanItsViewNamingBothSizes() {
        Background("arrays", "serve", "--port", "0", "--connections", "1", "--wire", "framed", "-n", "1000").use { server ->
            val fetch = runCommand("arrays", "fetch", "--port", "${server.awaitPort()}", "--wire", "framed", "-n", "10")

            assertEquals(1, fetch.exitCode, fetch.toString())
            assertContains(fetch, "frame header declares 8000 payload bytes, more than the limit of 80")
        }
    }

    @Test
    fun aRawFetchOfMoreThanTheServerSendsSaysHowManyBytesCame() {
        Background("arrays", "serve", "--port", "0", "--connections", "1", "-n", "1000").use { server ->
            val fetch = runCommand("arrays", "fetch", "--port", "${server.awaitPort()}", "-n", "2000")

            assertEquals(1, fetch.exitCode, fetch.toString())
            assertContains(fetch, "stream ended after 8000 of 16000 bytes of the array", "same --count on both sides")
        }
    }

    @Test
    fun fetchFromAPortNobodyListensOnFailsWithTheAddress() {
        val port = ServerSocket(0).use { it.localPort }

        val fetch = runCommand("arrays", "fetch", "--port", "$port", "-n", "10")

        assertEquals(1, fetch.exitCode, fetch.toString())
        assertContains(fetch, "arrays fetch: cannot receive from 127.0.0.1:$port")
    }

    @Test
    fun aCountBeyondOneViewIsAUsageErrorNamingTheLimit() {
        val outcome = runCommand("arrays", "demo", "-n", "300000000")

        assertEquals(2, outcome.exitCode, outcome.toString())
        assertContains(outcome, "--count 300000000 is out of range", "0 to 268435455 doubles")
    }

    @Test
    fun everyArraysCommandHasHelp() {
        for (command in listOf(arrayOf("arrays"), arrayOf("arrays", "serve"), arrayOf("arrays", "fetch"), arrayOf("arrays", "demo"))) {
            val outcome = runCommand(*command, "--help")
            assertEquals(0, outcome.exitCode, outcome.toString())
            assertTrue("Usage: zerocopy-samples ${command.joinToString(" ")}" in outcome.out, outcome.toString())
        }
        assertContains(runCommand("arrays", "fetch", "--help"), "--wire=MODE", "--engine", "--repeat", "--count", "--port")
    }

    @Test
    fun arraysAloneAsksForASubcommand() {
        val outcome = runCommand("arrays")

        assertEquals(2, outcome.exitCode, outcome.toString())
        assertContains(outcome, "Missing a subcommand: serve, fetch or demo")
    }
}
