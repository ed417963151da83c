package dev.zerocopy.samples.arrays

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.TestInstance
import org.junit.jupiter.api.Timeout
import java.nio.file.Files
import java.nio.file.Path
import java.util.concurrent.TimeUnit

/** The recipe's own Python (samples/python/recipe.py) against our server and client, 32 MB each way. */
@Timeout(90)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PythonInteropTest {

    private val count = 4_000_000
    private val script: Path = Path.of("python", "recipe.py").toAbsolutePath()

    /** Why Python cannot run the recipe here, or null if it can; probed once for the class. */
    private val missing: String? by lazy {
        try {
            val process = ProcessBuilder("python3", "-c", "import numpy").redirectErrorStream(true).start()
            val done = process.waitFor(30, TimeUnit.SECONDS)
            val output = process.inputStream.readAllBytes().decodeToString().trim()
            if (!done) {
                process.destroyForcibly()
                "python3 -c 'import numpy' did not finish within 30 s"
            } else if (process.exitValue() != 0) {
                "python3 cannot import numpy: $output"
            } else {
                null
            }
        } catch (notFound: java.io.IOException) {
            "python3 is not installed: ${notFound.message}"
        }
    }

    // Checked before each test, not once in @BeforeAll: surefire counts a class-level
    // assumption as zero tests run, while per-test assumptions show up as skipped tests.
    @BeforeEach
    fun pythonWithNumpyIsInstalled() {
        assertTrue(Files.isRegularFile(script), "missing $script (tests run from the samples module)")
        assumeTrue(missing == null) { "skipped: the Python interop test needs python3 with numpy; $missing" }
    }

    private fun python(vararg args: String): Process =
        ProcessBuilder(listOf("python3", script.toString()) + args).redirectErrorStream(true).start()

    @Test
    fun theRecipesPythonClientReceivesFromArraysServe() {
        ArrayServer.start(arange(count), Wire.RAW, Engine.CORE, "127.0.0.1", 0, connections = 1).use { server ->
            val client = python("fetch", "--port", "${server.port}", "--count", "$count")
            try {
                val finished = client.waitFor(60, TimeUnit.SECONDS)
                val output = client.inputStream.readAllBytes().decodeToString()

                assertTrue(finished, "the Python client did not finish within 60 s:\n$output")
                assertEquals(0, client.exitValue(), output)
                assertTrue("a[0:10] = [0. 1. 2. 3. 4. 5. 6. 7. 8. 9.]" in output, output)
                assertTrue("a[-1] = 3999999.0" in output, output)
                assertTrue("received 32,000,000 bytes" in output, output)
                assertTrue("checked: a[i] == i for all 4,000,000 doubles" in output, output)
                assertEquals(1, server.awaitServed())
            } finally {
                client.destroyForcibly()
            }
        }
    }

    @Test
    fun arraysFetchReceivesFromTheRecipesPythonServer() {
        val server = python("serve", "--port", "0", "--count", "$count")
        try {
            val output = server.inputStream.bufferedReader()
            val listening = output.readLine() ?: "(the Python server exited)"
            val port = Regex("""listening on 127\.0\.0\.1:(\d+)""").find(listening)?.groupValues?.get(1)
                ?: error("unexpected first line from the Python server: $listening")

            val fetch = runCommand("arrays", "fetch", "--port", port, "-n", "$count", "--engine", "ktor")

            assertEquals(0, fetch.exitCode, fetch.toString())
            assertTrue("a[0:10] = [0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0]" in fetch.out, fetch.toString())
            assertTrue("a[-1] = 3999999.0" in fetch.out, fetch.toString())
            assertTrue("checked: a[i] == i for all 4,000,000 doubles" in fetch.out, fetch.toString())
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the Python server did not exit after its client")
            assertEquals(0, server.exitValue(), output.readText())
        } finally {
            server.destroyForcibly()
        }
    }
}
