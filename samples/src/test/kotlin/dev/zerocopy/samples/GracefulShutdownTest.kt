package dev.zerocopy.samples

import dev.zerocopy.samples.chat.LineClient
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.assertThrows
import org.junit.jupiter.api.io.TempDir
import org.junit.jupiter.params.ParameterizedTest
import org.junit.jupiter.params.provider.ValueSource
import java.net.ConnectException
import java.net.InetSocketAddress
import java.net.Socket
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.file.Files
import java.nio.file.Path
import java.util.Locale
import java.util.SplittableRandom

/** SIGTERM stops accepting, lets work in progress finish, tells chat clients, then exits. */
@Timeout(90)
class GracefulShutdownTest {

    @TempDir
    lateinit var root: Path

    /** Exit statuses of a JVM ended by SIGTERM: 143 (128 + 15) once its hooks ran, or 0 if main exited first. */
    private fun assertExitedAfterSigterm(server: ServerProcess, status: Int?) {
        assertTrue(status == 143 || status == 0, "exit status $status; output:\n${server.output}")
    }

    private fun readHead(socket: Socket): String {
        val input = socket.getInputStream()
        val head = StringBuilder()
        while (!head.endsWith("\r\n\r\n")) {
            val b = input.read()
            check(b >= 0) { "connection ended in the response head: $head" }
            head.append(b.toChar())
        }
        return head.toString()
    }

    @Test
    fun streamServeFinishesTheResponseInProgressClosesIdleConnectionsAndRefusesNewOnes() {
        val size = 16 shl 20
        val content = ByteArray(size).also { bytes -> SplittableRandom(3).let { r -> for (i in bytes.indices) bytes[i] = r.nextInt().toByte() } }
        Files.write(root.resolve("big.bin"), content)
        Files.writeString(root.resolve("a.txt"), "abc")
        ServerProcess("stream", "serve", "--root", root.toString(), "--port", "0", "--shutdown-grace", "30s").use { server ->
            val port = server.awaitPort()
            Socket("127.0.0.1", port).use { idle ->
                idle.soTimeout = 10_000
                idle.getOutputStream().write("GET /a.txt HTTP/1.1\r\nHost: a\r\n\r\n".toByteArray())
                assertTrue(readHead(idle).contains("Connection: keep-alive"))
                assertEquals("abc", String(idle.getInputStream().readNBytes(3)))
                Socket().use { downloading ->
                    downloading.receiveBufferSize = 64 shl 10
                    downloading.connect(InetSocketAddress("127.0.0.1", port), 5_000)
                    downloading.soTimeout = 10_000
                    downloading.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n".toByteArray())
                    assertTrue(readHead(downloading).startsWith("HTTP/1.1 200 "))
                    val body = ByteArray(size)
                    var received = downloading.getInputStream().readNBytes(body, 0, 1 shl 20)

                    server.sigterm()

                    assertEquals(-1, idle.getInputStream().read(), "the idle keep-alive connection is closed")
                    assertThrows<ConnectException>("nothing new is accepted") { Socket("127.0.0.1", port).close() }
                    while (received < size) {
                        val read = downloading.getInputStream().readNBytes(body, received, minOf(256 shl 10, size - received))
                        check(read > 0) { "the response ended after $received of $size bytes; output:\n${server.output}" }
                        received += read
                    }
                    assertArrayEquals(content, body)
                    assertEquals(-1, downloading.getInputStream().read(), "closed after the response")
                }
            }
            assertExitedAfterSigterm(server, server.terminate(20))
            server.output.await(Regex("""GET /big\.bin range="-" status=200 bytes=$size mode=\S+ """), 10_000)
        }
    }

    @ParameterizedTest(name = "--engine {0}")
    @ValueSource(strings = ["core", "ktor"])
    fun arraysServeFinishesTheTransferInProgressAndRefusesNewConnections(engine: String) {
        val count = 4 shl 20 // 32 MiB of doubles: far more than the socket buffers hold
        val size = count * Double.SIZE_BYTES
        val expected = ByteArray(size).also { bytes ->
            val doubles = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder()).asDoubleBuffer()
            for (i in 0 until count) doubles.put(i.toDouble())
        }
        ServerProcess(
            "arrays", "serve", "--engine", engine, "--count", "$count", "--port", "0", "--shutdown-grace", "30s",
        ).use { server ->
            val port = server.awaitPort()
            Socket().use { fetching ->
                fetching.receiveBufferSize = 64 shl 10
                fetching.connect(InetSocketAddress("127.0.0.1", port), 5_000)
                fetching.soTimeout = 10_000
                val body = ByteArray(size)
                var received = fetching.getInputStream().readNBytes(body, 0, 1 shl 20)

                server.sigterm()

                server.output.await(Regex("stopped accepting; 1 transfer\\(s\\) in progress get up to 30s"))
                assertThrows<ConnectException>("nothing new is accepted") { Socket("127.0.0.1", port).close() }
                while (received < size) {
                    val read = fetching.getInputStream().readNBytes(body, received, minOf(256 shl 10, size - received))
                    check(read > 0) { "the transfer ended after $received of $size bytes; output:\n${server.output}" }
                    received += read
                }
                assertArrayEquals(expected, body)
                assertEquals(-1, fetching.getInputStream().read(), "closed after the transfer")
            }
            assertExitedAfterSigterm(server, server.terminate(20))
            server.output.await(Regex("""sent ${Regex.escape(String.format(Locale.ROOT, "%,d", size))} bytes \(raw\)"""), 10_000)
        }
    }

    @Test
    fun chatServeTellsEveryClientAndExits() {
        ServerProcess("chat", "serve", "--port", "0").use { server ->
            val port = server.awaitPort()
            LineClient(port).use { a ->
                LineClient(port).use { b ->
                    a.expect("* guest2 joined")

                    server.sigterm()

                    for (client in listOf(a, b)) {
                        client.expect("* the server is shutting down; bye")
                        assertNull(client.readLine())
                    }
                }
            }
            assertExitedAfterSigterm(server, server.terminate(20))
        }
    }
}
