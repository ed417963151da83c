package dev.zerocopy.samples.chat

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import java.io.BufferedReader
import java.io.IOException
import java.io.OutputStream
import java.net.InetAddress
import java.net.ServerSocket
import java.net.Socket
import java.util.concurrent.atomic.AtomicReference
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * What [ChatBots] reports when the server does not deliver everything, against a scripted
 * server on loopback that welcomes the bots, reads each one's messages, and then answers as
 * the test says: in full, slowly, with a drop notice, or by hanging up without a word.
 */
@Timeout(60)
class ChatBotsTest {

    /** A connected bot as the scripted server sees it. */
    private class Peer(val socket: Socket) {
        val reader: BufferedReader = socket.getInputStream().bufferedReader()
        val out: OutputStream = socket.getOutputStream()

        fun send(line: String) = out.write("$line\r\n".toByteArray())
    }

    /**
     * Accepts [bots] bots, welcomes each, reads [messages] lines from every one, then hands the
     * peers and those lines (by sender, in the order received) to [script]; returns the bots' report.
     */
    private fun runAgainst(bots: Int, messages: Int, drainMillis: Long, script: (List<Peer>, List<List<String>>) -> Unit): BotReport {
        ServerSocket(0, 50, InetAddress.getLoopbackAddress()).use { listener ->
            val failure = AtomicReference<Throwable>()
            val server = thread(name = "scripted chat server") {
                val peers = ArrayList<Peer>()
                try {
                    repeat(bots) { peers += Peer(listener.accept()).also { it.send("* welcome, guest${peers.size + 1}") } }
                    val lines = peers.map { peer -> List(messages) { checkNotNull(peer.reader.readLine()) } }
                    script(peers, lines)
                } catch (failed: Throwable) {
                    failure.set(failed)
                } finally {
                    peers.forEach { it.socket.close() }
                }
            }
            val report = runBlocking {
                ChatBots(bots, messages, interval = 0.milliseconds, duration = 30.seconds, drain = drainMillis.milliseconds)
                    .run("127.0.0.1", listener.localPort)
            }
            server.join()
            failure.get()?.let { throw it }
            return report
        }
    }

    /** The line the chat server would broadcast for bot [sender]'s [line]. */
    private fun relayed(sender: Int, line: String) = "guest${sender + 1}: $line"

    @Test
    fun aBotDroppedWithANoticeIsCountedApartFromOneThatLostMessagesWithoutAWord() {
        val notice = "error: more than 1 bytes are waiting for you to read them; disconnecting"
        val report = runAgainst(bots = 3, messages = 1, drainMillis = 10_000) { peers, lines ->
            peers[0].send(relayed(1, lines[1][0]))
            peers[0].send(relayed(2, lines[2][0]))
            peers[1].send(notice)
            peers[1].socket.close()
            peers[2].socket.close()
            // Bot 0 has all it expects; the others' connections ended: the bots stop at once.
            peers[0].reader.readLine()
        }

        assertEquals(3L, report.sent)
        assertEquals(6L, report.expectedDeliveries)
        assertEquals(2L, report.deliveries)
        assertEquals(2, report.botsMissingMessages)
        assertEquals(1, report.botsDropped)
        assertEquals(notice, report.droppedNotice)
        // Bot 1 missed both messages and bot 2 missed bot 1's: the drop. Bot 2 missed bot 0's: silent.
        assertEquals(3L, report.missedByDropped)
        assertEquals(1L, report.missedSilently)
        assertFalse(report.complete)
        assertFalse(report.noneLostSilently)
    }

    @Test
    fun botsWaitWhileMessagesStillArriveLongAfterTheDrainTime() {
        // Four messages each way, 700 ms apart after sending ended: 2.8 s in all, longer than the 2 s
        // drain, but never 2 s without one. A fixed drain after sending gave up after two or three.
        val report = runAgainst(bots = 2, messages = 4, drainMillis = 2_000) { peers, lines ->
            try {
                for (seq in 0 until 4) {
                    Thread.sleep(700)
                    peers[0].send(relayed(1, lines[1][seq]))
                    peers[1].send(relayed(0, lines[0][seq]))
                }
                peers.forEach { it.reader.readLine() }
            } catch (hungUp: IOException) {
                // The bots gave up early; their report says what they missed.
            }
        }

        assertEquals(8L, report.expectedDeliveries)
        assertEquals(8L, report.deliveries)
        assertEquals(0L, report.missedSilently)
        assertNull(report.droppedNotice)
        assertTrue(report.complete, "deliveries ${report.deliveries} of ${report.expectedDeliveries}")
        assertTrue(report.noneLostSilently)
    }

    @Test
    fun botsThatGetNothingMoreStopAfterTheDrainAndCountItAsLostWithoutAWord() {
        val started = System.nanoTime()
        val report = runAgainst(bots = 2, messages = 2, drainMillis = 500) { peers, lines ->
            peers[0].send(relayed(1, lines[1][0]))
            // Nothing more, and the connections stay open until the bots hang up.
            peers.forEach { it.reader.readLine() }
        }

        assertEquals(1L, report.deliveries)
        assertEquals(3L, report.missedSilently)
        assertEquals(0, report.botsDropped)
        assertFalse(report.noneLostSilently)
        assertTrue(System.nanoTime() - started < 20_000_000_000L, "the bots waited past their bound")
    }
}
