package dev.zerocopy.samples.chat

import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.AfterEach
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.Timeout
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

@Timeout(60)
class ChatServerTest {

    private val servers = mutableListOf<ChatServer>()

    private fun start(limits: ChatLimits = ChatLimits()): Int {
        val server = ChatServer(limits)
        servers += server
        return runBlocking { server.start("127.0.0.1", 0) }
    }

    @AfterEach
    fun closeServers() = servers.forEach(ChatServer::close)

    @Test
    fun eachQueuedLineCountsItsOverheadAgainstTheQueueLimit() {
        val welcome = ChatServer.encode("* welcome, guest1 (1 here). /nick name to rename, /who to list, /quit to leave")
        // The welcome's bytes fit, but not with the overhead of the entry that holds them.
        val tight = welcome.size() + ChatServer.ENTRY_OVERHEAD - 1
        LineClient(start(ChatLimits(maxQueueBytes = tight))).use { client ->
            assertEquals("error: more than $tight bytes are waiting for you to read them; disconnecting", client.welcome)
            assertNull(client.readLine())
        }
        val enough = ChatServer.queuedCost(welcome)
        LineClient(start(ChatLimits(maxQueueBytes = enough))).use { client ->
            assertEquals(welcome.toByteArray().toString(Charsets.UTF_8).trimEnd(), client.welcome)
        }
    }

    @Test
    fun threeClientsExchangeMessagesEachSendersInOrder() {
        val port = start()
        LineClient(port).use { a ->
            assertEquals("* welcome, guest1 (1 here). /nick name to rename, /who to list, /quit to leave", a.welcome)
            a.nick("alice")
            LineClient(port).use { b ->
                b.nick("bob")
                LineClient(port).use { c ->
                    c.nick("carol")
                    for (line in listOf("* guest2 joined", "* guest2 is now bob", "* guest3 joined", "* guest3 is now carol")) {
                        a.expect(line)
                    }
                    b.expect("* guest3 joined")
                    b.expect("* guest3 is now carol")

                    val perSender = 50
                    val clients = mapOf("alice" to a, "bob" to b, "carol" to c)
                    val senders = clients.map { (name, client) ->
                        thread { repeat(perSender) { client.send("message $it from $name") } }
                    }
                    for ((name, client) in clients) {
                        val received = List(perSender * 2) { client.readLine() }
                        val others = clients.keys - name
                        for (other in others) {
                            assertEquals(
                                List(perSender) { "$other: message $it from $other" },
                                received.filter { it!!.startsWith("$other: ") },
                                "what $name received from $other",
                            )
                        }
                        assertTrue(received.none { it!!.startsWith("$name: ") }, "$name got its own messages back")
                    }
                    senders.forEach(Thread::join)

                    c.send("/quit")
                    c.expect("* bye")
                    assertNull(c.readLine(), "the server closes after /quit")
                    a.expect("* carol left")
                    b.expect("* carol left")
                }
            }
        }
    }

    @Test
    fun aClientThatNeverReadsIsDisconnectedWhileTheOthersReceiveEveryMessage() {
        val queueLimit = 256 * 1024L
        val port = start(ChatLimits(maxQueueBytes = queueLimit, closeGrace = 30.seconds))
        LineClient(port).use { stuck ->
            stuck.nick("stuck")
            LineClient(port).use { sender ->
                sender.nick("sender")
                LineClient(port).use { watcher ->
                    watcher.nick("watcher")
                    val padding = "x".repeat(1000)
                    // Rounds of 32 messages, each read by the watcher before the next is sent: the
                    // watcher never falls behind, while the stuck client's kernel buffers and then
                    // its queue fill up. Bounded at 20 MB.
                    var sent = 0
                    var sawLeave = false
                    while (!sawLeave && sent < 20_000) {
                        val round = sent until sent + 32
                        for (n in round) sender.send("$n $padding")
                        var expected = round.first
                        while (expected <= round.last) {
                            val line = watcher.readLine() ?: error("the watcher was disconnected at message $expected")
                            if (line == "* stuck left (too slow)") {
                                sawLeave = true
                            } else {
                                assertEquals("sender: $expected $padding", line, "message $expected")
                                expected++
                            }
                        }
                        sent = round.last + 1
                    }
                    assertTrue(sawLeave, "the stuck client was not disconnected after $sent messages")
                    sender.send("after")
                    watcher.expect("sender: after")
                    assertEquals(listOf("sender", "watcher"), servers[0].names())

                    // The stuck client, reading at last, finds the messages that were already
                    // in flight, then why it was disconnected, then the end of the stream.
                    val backlog = stuck.readToEnd()
                    assertEquals(
                        "error: more than $queueLimit bytes are waiting for you to read them; disconnecting",
                        backlog.last(),
                    )
                    assertTrue(backlog.size > 100, "only ${backlog.size} lines were in flight")
                }
            }
        }
    }

    @Test
    fun aLineOverTheLimitDisconnectsOnlyItsSender() {
        val port = start(ChatLimits(maxLine = 8192))
        LineClient(port).use { a ->
            a.nick("alice")
            LineClient(port).use { b ->
                b.nick("bob")
                a.expect("* guest2 joined")
                a.expect("* guest2 is now bob")

                val longest = "y".repeat(8192)
                b.send(longest)
                a.expect("bob: $longest")

                b.send("z".repeat(8193))
                b.expect("error: line longer than 8192 bytes; disconnecting")
                b.expectDisconnected()
                a.expect("* bob left (line too long)")

                LineClient(port).use { c ->
                    c.nick("carol")
                    // No newline at all: the buffer fills, and the line is refused all the same.
                    c.sendBytes(ByteArray(20_000) { 'w'.code.toByte() })
                    c.expect("error: line longer than 8192 bytes; disconnecting")
                    c.expectDisconnected() // most of carol's 20,000 bytes are never read
                }
                a.expect("* guest3 joined")
                a.expect("* guest3 is now carol")
                a.expect("* carol left (line too long)")
                assertEquals(listOf("alice"), servers[0].names())
            }
        }
    }

    @Test
    fun badInputGetsAClearErrorLineAndTheConnectionStays() {
        val port = start()
        LineClient(port).use { a ->
            a.nick("alice")
            LineClient(port).use { b ->
                b.send("/nick")
                b.expect("error: empty nick; usage: /nick name")
                b.send("/nick    ")
                b.expect("error: empty nick; usage: /nick name")
                b.send("/nick alice")
                b.expect("error: the nick 'alice' is in use")
                b.send("/nick two words")
                b.expect("error: a nick may not contain spaces, ':', control or invisible formatting characters")
                b.send("/nick a\u200Bb")
                b.expect("error: a nick may not contain spaces, ':', control or invisible formatting characters")
                b.send("/nick Error")
                b.expect("error: 'Error' is reserved for the server's own lines")
                b.sendBytes(byteArrayOf('o'.code.toByte(), 'k'.code.toByte(), 0xC3.toByte(), 0x28, '\n'.code.toByte()))
                b.expect("error: line is not valid UTF-8 (byte 2 of 4); not sent")
                b.send("bell\u0007")
                b.expect("error: control character 0x07 at character 4; not sent")
                b.send("/shout hi")
                b.expect("error: unknown command /shout; /help lists them")
                b.sendBytes("crlf works\r\n".toByteArray())
                b.send("/who")
                b.expect("* here (2): alice, guest2")
                b.send("naïve ünïcödé ✓")

                a.expect("* guest2 joined")
                a.expect("guest2: crlf works")
                a.expect("guest2: naïve ünïcödé ✓")
            }
        }
    }

    @Test
    fun aClientThatDisconnectsMidLineLeavesNoTrace() {
        val port = start()
        LineClient(port).use { a ->
            a.nick("alice")
            LineClient(port).use { b ->
                b.nick("bob")
                b.sendBytes("half a mess".toByteArray())
            }
            a.expect("* guest2 joined")
            a.expect("* guest2 is now bob")
            a.expect("* bob left")
            assertEquals(listOf("alice"), servers[0].names())
            LineClient(port).use { c ->
                c.nick("bob")
                c.send("whole")
            }
            a.expect("* guest3 joined")
            a.expect("* guest3 is now bob")
            a.expect("bob: whole")
            a.expect("* bob left")
        }
    }

    @Test
    fun aFullServerTurnsNewcomersAway() {
        val port = start(ChatLimits(maxClients = 1))
        LineClient(port).use { a ->
            LineClient(port).use { b ->
                assertEquals("error: the server is full (1 clients); try again later", b.welcome)
                assertNull(b.readLine())
            }
            a.send("/who")
            a.expect("* here (1): guest1")
        }
    }

    @Test
    fun fiveHundredBotsEachReceiveEveryBroadcast() {
        val port = start()
        val report = runBlocking { ChatBots(count = 500, messages = 2, interval = 50.milliseconds, duration = 30.seconds).run("127.0.0.1", port) }

        assertEquals(1_000L, report.sent)
        assertEquals(1_000L * 499, report.expectedDeliveries)
        assertEquals(report.expectedDeliveries, report.deliveries)
        assertEquals(0, report.botsMissingMessages)
        assertEquals(0L, report.outOfOrder)
        assertEquals(report.deliveries, report.latency.totalCount)
        assertTrue(report.complete)
        assertFalse(report.deliveriesPerSecond.isNaN())
    }

    /**
     * The server's coroutines run on threads of its own, which close() stops: on the shared
     * scheduler, a worker that had run a `Dispatchers.IO` task left the sessions queued on it
     * unstarted for more than 25 s while the soak's stream server kept the other workers busy.
     */
    @Test
    fun sessionsRunOnTheServersOwnThreadsWhichCloseStops() {
        fun chatThreads() = Thread.getAllStackTraces().keys.filter { it.isAlive && it.name.startsWith("chat-") }
        val before = chatThreads().toSet()
        val server = ChatServer()
        try {
            val port = runBlocking { server.start("127.0.0.1", 0) }
            LineClient(port).use { client ->
                assertTrue(client.welcome.startsWith("* welcome"), client.welcome)
                client.send("/who")
                assertTrue(client.readLine()!!.startsWith("* here (1): "))
                assertTrue((chatThreads() - before).isNotEmpty(), "no chat-N threads: the sessions run on a shared dispatcher")
            }
        } finally {
            server.close()
        }
        val left = chatThreads() - before
        for (thread in left) thread.join(10_000)
        assertEquals(emptyList<Thread>(), left.filter { it.isAlive }, "threads still running after close()")
    }
}
