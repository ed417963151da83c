package dev.zerocopy.samples.stream

import dev.zerocopy.samples.ServerProcess
import jdk.jfr.consumer.RecordedEvent
import jdk.jfr.consumer.RecordingFile
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.nio.file.Files
import java.nio.file.Path
import java.util.SplittableRandom
import java.util.concurrent.TimeUnit

/**
 * What samples/README shows of the library's observability, run as it says: `stream serve
 * --metrics-interval` printing the Micrometer meters, and a JFR recording of a stream-server
 * run read back with `jfr print` and with the JDK's recording parser.
 */
@Timeout(120)
class StreamObservabilityTest {

    @TempDir
    lateinit var root: Path

    @TempDir
    lateinit var scratch: Path

    private fun content(size: Int): ByteArray {
        val random = SplittableRandom(15)
        return ByteArray(size).also { for (i in it.indices) it[i] = random.nextInt().toByte() }
    }

    private fun get(port: Int, name: String): ByteArray = RawHttp(port).use { http ->
        val response = http.send("GET /$name HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").read(false)
        assertEquals(200, response.status())
        response.body()
    }

    /** The count of one meter in a block printed by `--metrics`: `zerocopy.bytes(COUNTER)[mode='copy']; count=5.0E7`. */
    private fun count(block: String, meter: String): Double {
        val line = Regex("""^${Regex.escape(meter)}; (?:count|value)=(\S+)""", RegexOption.MULTILINE).find(block)
        return checkNotNull(line) { "no $meter in:\n$block" }.groupValues[1].toDouble()
    }

    @Test
    fun metricsPrintTheMetersAndTheyMoveByTheBytesSent() {
        val size = (3 shl 20) + 7
        val bytes = content(size)
        Files.write(root.resolve("a.bin"), bytes)
        ServerProcess(
            "stream", "serve", "--root", root.toString(), "--port", "0", "--file-mode", "copy", "--metrics-interval", "200ms",
        ).use { server ->
            val port = server.awaitPort()
            val before = server.output.await(Regex("""stream: meters at \S+\n((?:zerocopy.*\n)+)""")).groupValues[1]
            assertEquals(0.0, count(before, "zerocopy.bytes(COUNTER)[mode='copy']"), before)

            assertArrayEquals(bytes, get(port, "a.bin"))

            assertEquals(0, server.terminate(30)?.let { if (it == 143) 0 else it }, "exit status; output:\n${server.output}")
            val after = server.output.toString().substringAfterLast("stream: meters at ")
            assertEquals(size.toDouble(), count(after, "zerocopy.bytes(COUNTER)[mode='copy']"), after)
            assertEquals(0.0, count(after, "zerocopy.bytes(COUNTER)[mode='zero_copy']"), after)
            // One body, one file transfer: the server no longer cuts it into steps.
            assertEquals(1.0, count(after, "zerocopy.fallbacks(COUNTER)[reason='FORCED_COPY']"), after)
            assertEquals(1.0, count(after, "zerocopy.transfers(COUNTER)[outcome='completed']"), after)
            assertEquals(0.0, count(after, "zerocopy.fallbacks(COUNTER)[reason='AUTO_MEASURED_COPY']"), after)
            assertEquals(0.0, count(after, "zerocopy.transfers(COUNTER)[outcome='failed']"), after)
            assertEquals(0.0, count(after, "zerocopy.transfers.active(GAUGE)[]"), after)
        }
    }

    @Test
    fun aJfrRecordingOfAStreamServerRunHasTheTransferEventsOfEachBody() {
        val size = (5 shl 20) + 3
        val bytes = content(size)
        Files.write(root.resolve("movie.bin"), bytes)
        val settings = Path.of("zerocopy.jfc").toAbsolutePath()
        assertTrue(Files.isRegularFile(settings), "$settings: the README's settings file")
        val recording = scratch.resolve("stream.jfr")
        // The README's command, with this test's paths.
        val flight = "-XX:StartFlightRecording:filename=$recording,settings=default,settings=$settings"
        ServerProcess(
            "stream", "serve", "--root", root.toString(), "--port", "0", "--file-mode", "zero-copy", jvmArgs = listOf(flight),
        ).use { server ->
            val port = server.awaitPort()
            assertArrayEquals(bytes, get(port, "movie.bin"))
            val status = server.terminate(30)
            assertTrue(status == 143 || status == 0, "exit status $status; output:\n${server.output}")
        }

        val events = RecordingFile.readAllEvents(recording).filter { it.eventType.name == "dev.zerocopy.Transfer" }
        // One body, one event: the server sends it with one sendFile.
        val file: RecordedEvent = events.single { it.getString("operation") == "sendFile" }
        assertEquals(size.toLong(), file.getLong("byteCount"), file.toString())
        assertEquals(size.toLong(), file.getLong("transferred"), file.toString())
        assertEquals(size.toLong(), file.getLong("zeroCopied"), file.toString())
        assertEquals(0L, file.getLong("copied"), file.toString())
        assertEquals("ZERO_COPY", file.getString("mode"), file.toString())
        assertEquals(null, file.getString("fallbackCode"), file.toString())
        assertTrue(file.getBoolean("completed"), file.toString())
        val heads = events.filter { it.getString("operation") == "send" }
        assertTrue(heads.isNotEmpty(), "no send event (the response head) among ${events.size}")

        val jfr = File(System.getProperty("java.home"), "bin/jfr").path
        val print = ProcessBuilder(jfr, "print", "--events", "dev.zerocopy.Transfer", recording.toString())
            .redirectErrorStream(true).start()
        val printed = print.inputStream.bufferedReader().readText()
        assertTrue(print.waitFor(30, TimeUnit.SECONDS), "jfr print did not end")
        assertEquals(0, print.exitValue(), printed)
        assertTrue(printed.contains("dev.zerocopy.Transfer {"), printed)
        assertTrue(printed.contains("operation = \"sendFile\""), printed)
        assertTrue(printed.contains("mode = \"ZERO_COPY\""), printed)
    }
}
