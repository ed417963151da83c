package dev.zerocopy.samples

import dev.zerocopy.samples.chat.BotReport
import dev.zerocopy.samples.chat.ChatBots
import dev.zerocopy.samples.chat.ChatServer
import dev.zerocopy.samples.load.LoadConfig
import dev.zerocopy.samples.load.LoadTarget
import dev.zerocopy.samples.load.LoadTester
import dev.zerocopy.samples.stream.StreamConfig
import dev.zerocopy.samples.stream.StreamServer
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Tag
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.io.TempDir
import java.io.PrintWriter
import java.lang.management.ManagementFactory
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.SplittableRandom
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference
import java.util.concurrent.locks.LockSupport
import kotlin.concurrent.thread
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds

/**
 * The soak (`-Psoak`, see samples/README; not in the default build): the stream
 * server under the load tester and the chat server under bots, side by side, in rounds of
 * 30 s for `-Dsoak.minutes` (default 10). After each round it samples this process's open
 * descriptors and the heap used after a full GC; it fails if either grew from the first
 * round to the last by more than a small allowance, if any request failed, or if any chat
 * message went missing without the server having dropped its recipient with a notice (a
 * client too slow for its queue limit is dropped by design; those drops are counted and
 * printed). The chat server's log of joins and departures goes to `target/soak-chat.log`.
 */
@Tag("soak")
class SoakTest {

    @TempDir
    lateinit var root: Path

    private data class Sample(val round: Int, val descriptors: Int, val heapAfterGc: Long)

    private fun descriptors(): Int = Files.list(Path.of("/proc/self/fd")).use { it.count().toInt() }

    /**
     * Samples once the round's connections are gone: both servers report none, and the count of
     * descriptors has stopped falling for a second (Ktor closes a socket's channel after its
     * coroutines end, so a round's last sockets close a moment after the clients return; one
     * sample taken at once read 252 where its neighbours read 151 and 156). Bounded at 30 s: a
     * count that never settles is sampled as it is, and a leak still shows as growth.
     */
    private fun sample(round: Int, stream: StreamServer, chat: ChatServer): Sample {
        val deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos()
        var lowest = descriptors()
        var lowestAt = System.nanoTime()
        while (System.nanoTime() < deadline) {
            val idle = stream.openConnections() == 0 && chat.names().isEmpty()
            if (idle && System.nanoTime() - lowestAt >= Duration.ofSeconds(1).toNanos()) break
            LockSupport.parkNanos(Duration.ofMillis(50).toNanos())
            val now = descriptors()
            if (now < lowest) {
                lowest = now
                lowestAt = System.nanoTime()
            }
        }
        repeat(3) { System.gc() }
        return Sample(round, descriptors(), ManagementFactory.getMemoryMXBean().heapMemoryUsage.used)
    }

    /**
     * Records what a failed round needs explained, at the moment it failed: the chat server's
     * listener, sessions and queues, the state of the shared coroutine scheduler, and a thread
     * dump of this process (jstack) in `target/soak-jstack-round<N>.txt`. Returns it for the
     * failure's message.
     */
    private fun diagnose(round: Int, chat: ChatServer): String {
        // The shared coroutine scheduler: its workers' states and queue lengths.
        val state = chat.diagnostics() + "scheduler: ${Dispatchers.Default}\n"
        println("soak: round $round failed; $state")
        val dump = Path.of("target", "soak-jstack-round$round.txt").toAbsolutePath()
        val jstack = Path.of(System.getProperty("java.home"), "bin", "jstack").toString()
        val dumped = runCatching {
            val process = ProcessBuilder(jstack, "-l", ProcessHandle.current().pid().toString())
                .redirectErrorStream(true).redirectOutput(dump.toFile()).start()
            if (!process.waitFor(60, TimeUnit.SECONDS)) process.destroyForcibly()
        }
        return "chat server state:\n$state" + if (dumped.isSuccess) "thread dump in $dump" else "no thread dump: ${dumped.exceptionOrNull()}"
    }

    @Test
    fun streamAndChatServersKeepTheirDescriptorsAndHeapUnderHoursOfLoad() {
        val minutes = System.getProperty("soak.minutes", "10").toLong()
        val bytes = ByteArray(32 shl 20).also { b -> SplittableRandom(5).let { r -> for (i in b.indices) b[i] = r.nextInt().toByte() } }
        Files.write(root.resolve("movie.mp4"), bytes)
        val stream = StreamServer.start(StreamConfig(root).apply { accessLog = false })
        val chatLog = PrintWriter(Files.newBufferedWriter(Path.of("target", "soak-chat.log")), true)
        val chat = ChatServer(log = chatLog)
        val chatPort = runBlocking { chat.start("127.0.0.1", 0) }
        val samples = ArrayList<Sample>()
        try {
            val end = System.nanoTime() + Duration.ofMinutes(minutes).toNanos()
            var round = 0
            while (System.nanoTime() < end || round < 2) {
                round++
                // The bots' outcome is checked here, not on their thread: a failed assertion there
                // would end only that thread, and the soak would pass.
                val botsOutcome = AtomicReference<Result<BotReport>>()
                val diagnosis = AtomicReference<String>()
                val thisRound = round
                val bots = thread(name = "soak-bots") {
                    val outcome = runCatching { runBlocking { ChatBots(100, 100, 200.milliseconds, 25.seconds).run("127.0.0.1", chatPort) } }
                    // At once, while whatever held the bots up still holds.
                    if (outcome.isFailure || outcome.getOrNull()?.noneLostSilently == false) diagnosis.set(diagnose(thisRound, chat))
                    botsOutcome.set(outcome)
                }
                val load = LoadTester(
                    LoadConfig(LoadTarget.parse("127.0.0.1:${stream.port}", allowRemote = false)).apply {
                        connections = 32
                        duration = Duration.ofSeconds(30)
                        path = "/movie.mp4"
                    },
                ).runBlocking()
                // Bounded: 25 s of sending, then at most 25 s more while messages still arrive.
                bots.join(120_000)
                val report = checkNotNull(botsOutcome.get()) { "round $round: the chat bots did not finish within 120 s" }
                    .getOrElse {
                        throw AssertionError("round $round: the chat bots failed; the chat server's log is in target/soak-chat.log; ${diagnosis.get()}", it)
                    }
                samples += sample(round, stream, chat).also {
                    println(
                        "soak: $it, ${load.requests} requests, ${"%.2f".format(load.gibPerSecond)} GiB/s, " +
                            "chat ${report.deliveries} of ${report.expectedDeliveries} deliveries, " +
                            "${report.botsDropped} bots dropped by the server (${report.missedByDropped} deliveries)",
                    )
                }
                assertTrue(
                    report.noneLostSilently,
                    "round $round: chat bots missed messages: ${report.deliveries} of ${report.expectedDeliveries} delivered, " +
                        "${report.botsMissingMessages} bots missing some, ${report.missedSilently} deliveries without a notice, " +
                        "${report.botsDropped} bots dropped (${report.droppedNotice}), ${report.outOfOrder} out of order; " +
                        "server log in target/soak-chat.log; ${diagnosis.get()}",
                )
                assertEquals(0, load.errors, "round $round: load errors ${load.errorsByKind} ${load.firstErrors}")
            }
        } finally {
            chat.close()
            stream.close()
            chatLog.close()
        }
        val first = samples.first()
        val last = samples.last()
        assertTrue(last.descriptors <= first.descriptors + 16, "descriptors grew: $first -> $last; all: $samples")
        assertTrue(last.heapAfterGc <= first.heapAfterGc * 3 / 2 + (16L shl 20), "heap after GC grew: $first -> $last; all: $samples")
    }
}
