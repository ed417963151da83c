package dev.zerocopy.samples.chat

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import java.io.BufferedReader
import java.io.InputStreamReader
import java.net.Socket
import java.net.SocketException
import java.nio.charset.StandardCharsets.UTF_8

/**
 * A blocking test client, what `nc` is to a person: it writes raw lines and reads the
 * server's lines. Every read gives up after 20 s, so a missing line fails the test
 * instead of hanging it.
 */
class LineClient(port: Int) : AutoCloseable {
    private val socket = Socket("127.0.0.1", port).apply { soTimeout = 20_000 }
    private val input = BufferedReader(InputStreamReader(socket.getInputStream(), UTF_8))
    private val output = socket.getOutputStream()

    /** The server's welcome line, read on connect so that the client is known to be registered. */
    val welcome: String = readLine() ?: error("the server closed without a welcome")

    /** Writes [line] followed by `\n`. */
    fun send(line: String) = sendBytes("$line\n".toByteArray(UTF_8))

    /** Writes bytes exactly as given. */
    fun sendBytes(bytes: ByteArray) {
        output.write(bytes)
        output.flush()
    }

    /** Reads one line without its `\r\n`, or null at the end of stream. */
    fun readLine(): String? = input.readLine()

    /** Reads one line and checks it. */
    fun expect(line: String) = assertEquals(line, readLine())

    /** Renames itself and reads the confirmation. */
    fun nick(name: String): LineClient {
        send("/nick $name")
        expect("* you are now $name")
        return this
    }

    /**
     * Checks that the server has closed the connection: the end of stream, or a reset. A server that
     * closes with some of this client's bytes unread makes the kernel reset the connection rather than
     * end it (RFC 2525, 2.17), and the lines read before stay readable; which of the two this client
     * sees depends on how far the server read.
     */
    fun expectDisconnected() {
        val line = try {
            readLine()
        } catch (reset: SocketException) {
            assertEquals("Connection reset", reset.message)
            return
        }
        assertNull(line, "the server closes")
    }

    /** Reads every line up to the end of stream. */
    fun readToEnd(): List<String> = generateSequence { readLine() }.toList()

    override fun close() = socket.close()
}
