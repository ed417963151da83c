package dev.zerocopy.samples

import dev.zerocopy.ktor.SocketFutures
import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.util.Collections
import kotlin.time.Duration.Companion.seconds

/**
 * A sample server's accept loop ends, with one line that says why, when its listener can never
 * accept again (its channel closed behind the server's back, or its selector closed), instead of
 * backing off and retrying forever; closed by the server itself, it ends without a word.
 */
@Timeout(60)
class AcceptOrNullTest {

    private val lines: MutableList<String> = Collections.synchronizedList(ArrayList())
    private val failures = AcceptFailures { lines += it }

    @Test
    fun aListenerWhoseChannelWasClosedBehindTheServersBackEndsTheLoopWithOneLine() {
        SocketFutures.selectorManager().use { selector ->
            runBlocking {
                aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)).use { listener ->
                    // What the soak once saw: accept failing with ClosedChannelException while the
                    // Ktor listener was not closed.
                    (listener as Selectable).channel.close()
                    assertNull(withTimeout(10.seconds) { listener.acceptOrNull(failures) { false } })
                }
            }
        }
        assertEquals(1, lines.size, "$lines")
        assertTrue(lines[0].startsWith("accept failed: java.nio.channels.ClosedChannelException; the listening socket was closed, not by this server"), lines[0])
        assertTrue(lines[0].endsWith("stopped accepting"), lines[0])
    }

    @Test
    fun aListenerWhoseSelectorClosedEndsTheLoopWithOneLine() {
        val selector = SocketFutures.selectorManager()
        runBlocking {
            aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0)).use { listener ->
                selector.close()
                assertNull(withTimeout(10.seconds) { listener.acceptOrNull(failures) { false } })
            }
        }
        assertEquals(1, lines.size, "$lines")
        assertTrue(lines[0].contains("its selector was closed, so no connection can be accepted again"), lines[0])
    }

    @Test
    fun aListenerClosedByTheServerEndsTheLoopSilently() {
        SocketFutures.selectorManager().use { selector ->
            runBlocking {
                val listener = aSocket(selector).tcp().bind(InetSocketAddress("127.0.0.1", 0))
                listener.close()
                assertNull(withTimeout(10.seconds) { listener.acceptOrNull(failures) { true } })
            }
        }
        assertEquals(emptyList<String>(), lines)
    }
}
