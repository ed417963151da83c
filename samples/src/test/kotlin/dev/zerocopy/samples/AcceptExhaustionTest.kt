package dev.zerocopy.samples

import dev.zerocopy.ByteView
import dev.zerocopy.Frames
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Assumptions.assumeTrue
import org.junit.jupiter.api.BeforeEach
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import org.junit.jupiter.api.io.TempDir
import java.io.File
import java.io.IOException
import java.net.InetSocketAddress
import java.net.Socket
import java.nio.ByteBuffer
import java.nio.ByteOrder
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration

/**
 * Every sample server, started fresh with a low descriptor limit, runs out of descriptors
 * under a flood of connections, backs off with one log line, and serves again once the
 * flood lets go: the accept loop survives and the JDK's close path still works.
 */
@Timeout(120)
class AcceptExhaustionTest {

    @TempDir
    lateinit var root: Path

    @BeforeEach
    fun needsPrlimit() = assumeTrue(ServerProcess.hasPrlimit(), "needs prlimit (util-linux) to lower a child's descriptor limit")

    /** Opens connections until [server] reports that accept failed; returns them for the caller to close. */
    private fun flood(server: ServerProcess, port: Int, deadline: Deadline): List<Socket> {
        val sockets = ArrayList<Socket>()
        try {
            var refused = 0
            // Until the server says so, or its backlog is full too (arrays serve's holds 50).
            while (sockets.size < FLOOD && refused < 3 && "accept failed" !in server.output.toString()) {
                val socket = Socket()
                try {
                    socket.connect(InetSocketAddress("127.0.0.1", port), 500)
                    sockets += socket
                } catch (full: IOException) {
                    socket.close()
                    refused++
                }
            }
            server.output.await(Regex("accept failed: .*Too many open files"), deadline.remainingMillis())
            return sockets
        } catch (failed: Throwable) {
            sockets.forEach(Socket::close)
            throw failed
        }
    }

    /**
     * Floods, lets go, and then expects [probe] to succeed and the server to say it accepts again.
     * Each step waits for its condition, not for a fixed time; one deadline bounds them all, so a
     * loaded machine may take longer over one step as long as the whole fits.
     */
    private fun survives(server: ServerProcess, probe: (Int) -> Unit) {
        val deadline = Deadline(BUDGET_MILLIS)
        val port = server.awaitPort(deadline.remainingMillis())
        flood(server, port, deadline).forEach(Socket::close)
        var last: Throwable? = null
        var served = false
        while (!served && !deadline.passed()) {
            try {
                probe(port)
                served = true
            } catch (notYet: IOException) {
                // Each attempt waits for its own timeouts; the server is closing the flood's connections.
                last = notYet
            }
        }
        if (!served) {
            throw AssertionError("the server did not serve again within ${BUDGET_MILLIS / 1000} s; last attempt: $last; output:\n${server.output}", last)
        }
        server.output.await(Regex("accepting again after \\d+ failed accepts"), deadline.remainingMillis())
        assertTrue(server.process.isAlive, "the server exited: ${server.output}")
    }

    /** A point in time that every wait of one test shares. */
    private class Deadline(budgetMillis: Long) {
        private val end = System.nanoTime() + budgetMillis * 1_000_000

        fun passed(): Boolean = System.nanoTime() >= end

        /** What is left, at least 1 ms, so that a wait that starts late still looks once. */
        fun remainingMillis(): Long = maxOf(1L, (end - System.nanoTime()) / 1_000_000)
    }

    private fun fetchArrayStart(port: Int) {
        Socket().use { socket ->
            socket.connect(InetSocketAddress("127.0.0.1", port), 2_000)
            socket.soTimeout = 2_000
            val bytes = socket.getInputStream().readNBytes(16)
            if (bytes.size < 16) throw IOException("only ${bytes.size} bytes arrived")
            val doubles = ByteBuffer.wrap(bytes).order(ByteOrder.nativeOrder())
            assertEquals(0.0, doubles.getDouble(0))
            assertEquals(1.0, doubles.getDouble(8))
        }
    }

    @Test
    fun arraysServeOnTheCoreSurvivesRunningOutOfDescriptors() {
        ServerProcess("arrays", "serve", "--port", "0", "--count", ARRAY_COUNT, "--engine", "core", nofile = NOFILE).use { server ->
            survives(server, ::fetchArrayStart)
        }
    }

    @Test
    fun arraysServeOnKtorSurvivesRunningOutOfDescriptors() {
        ServerProcess("arrays", "serve", "--port", "0", "--count", ARRAY_COUNT, "--engine", "ktor", nofile = NOFILE).use { server ->
            survives(server, ::fetchArrayStart)
        }
    }

    @Test
    fun chatServeSurvivesRunningOutOfDescriptorsFromAColdStart() {
        ServerProcess("chat", "serve", "--port", "0", nofile = NOFILE).use { server ->
            survives(server) { port ->
                Socket().use { socket ->
                    socket.connect(InetSocketAddress("127.0.0.1", port), 2_000)
                    socket.soTimeout = 2_000
                    val welcome = socket.getInputStream().bufferedReader().readLine() ?: throw IOException("closed without a welcome")
                    assertTrue(welcome.startsWith("* welcome, "), welcome)
                }
            }
        }
    }

    @Test
    fun streamServeSurvivesRunningOutOfDescriptorsFromAColdStart() {
        Files.writeString(root.resolve("a.txt"), "abc")
        ServerProcess("stream", "serve", "--root", root.toString(), "--port", "0", nofile = NOFILE).use { server ->
            survives(server) { port ->
                Socket().use { socket ->
                    socket.connect(InetSocketAddress("127.0.0.1", port), 2_000)
                    socket.soTimeout = 2_000
                    socket.getOutputStream().write("GET /a.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n".toByteArray())
                    val response = socket.getInputStream().readAllBytes().toString(Charsets.ISO_8859_1)
                    if (response.isEmpty()) throw IOException("closed without a response")
                    assertTrue(response.startsWith("HTTP/1.1 200 ") && response.endsWith("\r\n\r\nabc"), response)
                }
            }
        }
    }

    @Test
    fun filesServeSurvivesRunningOutOfDescriptors() {
        assumeTrue(File(JDK_21_PLUS).canExecute(), "files serve runs on virtual threads, which need JDK 21+; none at $JDK_21_PLUS")
        Files.writeString(root.resolve("a.txt"), "abc")
        ServerProcess("files", "serve", "--dir", root.toString(), "--port", "0", nofile = NOFILE, java = JDK_21_PLUS).use { server ->
            survives(server) { port ->
                SocketChannel.open().use { channel ->
                    channel.socket().connect(InetSocketAddress("127.0.0.1", port), 2_000)
                    val deadline = Duration.ofSeconds(2)
                    Frames.sendFrame(channel, ByteView.wrap("a.txt".toByteArray()))
                    val file = Frames.recvFrame(channel, 1024, ByteView::allocate, deadline)
                    assertEquals("abc", Charsets.UTF_8.decode(file.buffer()).toString())
                }
            }
        }
    }

    private companion object {
        /** The JDK the build's virtual-thread tests run on. */
        const val JDK_21_PLUS = "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java"

        /** Enough for the JVM and its jars, not for the flood. */
        const val NOFILE = 160
        const val FLOOD = 400

        /** The whole start, flood and recovery of one server, well inside the class's timeout. */
        const val BUDGET_MILLIS = 90_000L

        /** 16 MB: more than loopback buffers hold, so a client that does not read keeps its descriptor. */
        const val ARRAY_COUNT = "2000000"
    }
}
