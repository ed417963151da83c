package dev.zerocopy.samples.chat

import dev.zerocopy.samples.shutDownGracefullyOnExit
import dev.zerocopy.samples.stream.DurationConverter
import kotlinx.coroutines.runBlocking
import picocli.CommandLine.Command
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Option
import picocli.CommandLine.ParameterException
import picocli.CommandLine.Spec
import java.io.IOException
import java.util.Locale
import java.util.concurrent.Callable
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/** `chat`: a line-based chat server on Ktor raw sockets, and a load generator for it. */
@Command(
    name = "chat",
    mixinStandardHelpOptions = true,
    description = [
        "A chat server on Ktor raw sockets, and bots to load it.",
        "nc and telnet are its clients; each broadcast is encoded once and sent to",
        "every client from the same view.",
    ],
    subcommands = [ChatServeCommand::class, ChatBotsCommand::class],
)
public class ChatCommand : Runnable {

    @Spec
    private lateinit var spec: CommandSpec

    /** Fails with the list of subcommands: `chat` alone does nothing. */
    override fun run() {
        throw ParameterException(spec.commandLine(), "Missing a subcommand: serve or bots")
    }
}

/** `chat serve`: runs a [ChatServer] until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = [
        "Runs the chat server until interrupted (Ctrl-C).",
        "Join with: nc 127.0.0.1 PORT (or telnet). Lines end in \\n or \\r\\n.",
        "Commands: /nick name, /who, /quit, /help; other lines go to everyone else.",
    ],
)
public class ChatServeCommand : Callable<Int> {

    @Spec
    private lateinit var spec: CommandSpec

    @Option(names = ["--bind"], paramLabel = "HOST", description = ["Address to listen on (default: \${DEFAULT-VALUE})."])
    private var bind: String = "127.0.0.1"

    @Option(names = ["-p", "--port"], description = ["Port to listen on, 0 for any free one (default: \${DEFAULT-VALUE})."])
    private var port: Int = 7_777

    @Option(
        names = ["--max-line"],
        paramLabel = "BYTES",
        description = ["Longest line a client may send; a longer one disconnects it (default: \${DEFAULT-VALUE})."],
    )
    private var maxLine: Int = 8 * 1024

    @Option(
        names = ["--max-queue"],
        paramLabel = "BYTES",
        description = [
            "Most bytes waiting to be sent to one client; a client further behind is told and",
            "disconnected (default: \${DEFAULT-VALUE}).",
        ],
    )
    private var maxQueue: Long = 1L shl 20

    @Option(names = ["--max-clients"], paramLabel = "N", description = ["Most clients at once (default: \${DEFAULT-VALUE})."])
    private var maxClients: Int = 5_000

    @Option(
        names = ["--shutdown-grace"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["On SIGTERM, tell every client and give their queued lines this long to go out (default: 5s)."],
    )
    private var shutdownGrace: java.time.Duration = java.time.Duration.ofSeconds(5)

    /** Serves until the thread is interrupted; Ctrl-C ends the process. */
    override fun call(): Int {
        if (port !in 0..65_535) throw ParameterException(spec.commandLine(), "--port $port is out of range: 0 to 65535")
        if (maxLine !in 1..(1 shl 20)) {
            throw ParameterException(spec.commandLine(), "--max-line $maxLine is out of range: 1 to 1048576")
        }
        if (maxQueue < 1) throw ParameterException(spec.commandLine(), "--max-queue $maxQueue must be >= 1")
        if (maxClients !in 1..19_000) {
            throw ParameterException(
                spec.commandLine(),
                "--max-clients $maxClients is out of range: 1 to 19000 (a process may open 20,000 files)",
            )
        }
        val out = spec.commandLine().out
        ChatServer(ChatLimits(maxLine, maxQueue, maxClients), log = out).use { server ->
            val bound = try {
                runBlocking { server.start(bind, port) }
            } catch (failed: IOException) {
                spec.commandLine().err.println("chat serve: cannot listen on $bind:$port: ${failed.message}")
                return 1
            }
            out.println(
                "chat on $bind:$bound: lines up to $maxLine bytes, up to $maxQueue bytes queued per client; " +
                    "join with: nc $bind $bound",
            )
            out.flush()
            val grace = shutdownGrace.toKotlinDuration()
            shutDownGracefullyOnExit("chat-server-stop") { server.shutdown(grace) }
            try {
                runBlocking { server.awaitClosed() }
            } catch (interrupted: InterruptedException) {
                out.println("chat serve: stopped")
            }
        }
        return 0
    }
}

/** `chat bots`: runs [ChatBots] against a chat server on this machine. */
@Command(
    name = "bots",
    mixinStandardHelpOptions = true,
    description = [
        "Loads a chat server with N chatty clients; reports rate and latency.",
        "Once all have joined, each bot sends its messages to all the others and",
        "checks it gets theirs; prints deliveries per second and latency p50/p99.",
        "Loopback addresses only.",
    ],
)
public class ChatBotsCommand : Callable<Int> {

    @Spec
    private lateinit var spec: CommandSpec

    @Option(names = ["--host"], description = ["Server address; loopback only (default: \${DEFAULT-VALUE})."])
    private var host: String = "127.0.0.1"

    @Option(names = ["-p", "--port"], description = ["Server port (default: \${DEFAULT-VALUE})."])
    private var port: Int = 7_777

    @Option(names = ["-c", "--count"], paramLabel = "N", description = ["Bots (default: \${DEFAULT-VALUE})."])
    private var count: Int = 100

    @Option(names = ["-m", "--messages"], paramLabel = "N", description = ["Messages per bot (default: \${DEFAULT-VALUE})."])
    private var messages: Int = 20

    @Option(
        names = ["--interval"],
        paramLabel = "MILLIS",
        description = ["Pause between one bot's messages, in milliseconds (default: \${DEFAULT-VALUE})."],
    )
    private var intervalMillis: Long = 100

    @Option(
        names = ["-d", "--duration"],
        paramLabel = "SECONDS",
        description = [
            "Stop sending after this many seconds even if messages remain; receiving then goes",
            "on while messages still arrive (10 s without one ends it), for at most as long",
            "again (default: \${DEFAULT-VALUE}).",
        ],
    )
    private var durationSeconds: Long = 60

    /** Runs the bots and prints the report; exit status 1 if a message went missing or came out of order. */
    override fun call(): Int {
        if (count !in 2..MAX_BOTS) throw ParameterException(spec.commandLine(), "--count $count is out of range: 2 to $MAX_BOTS")
        if (messages < 0) throw ParameterException(spec.commandLine(), "--messages $messages must be >= 0")
        if (intervalMillis < 0) throw ParameterException(spec.commandLine(), "--interval $intervalMillis must be >= 0")
        if (durationSeconds !in 1..3_600) {
            throw ParameterException(spec.commandLine(), "--duration $durationSeconds is out of range: 1 to 3600 seconds")
        }
        val out = spec.commandLine().out
        val err = spec.commandLine().err
        val bots = ChatBots(count, messages, intervalMillis.milliseconds, durationSeconds.seconds)
        val report = try {
            runBlocking { bots.run(host, port) }
        } catch (notLoopback: IllegalArgumentException) {
            throw ParameterException(spec.commandLine(), notLoopback.message)
        } catch (failed: IOException) {
            err.println("chat bots: ${failed.message ?: failed.javaClass.simpleName} (is chat serve running on $host:$port?)")
            return 1
        }
        print(out, report)
        return if (report.complete) 0 else 1
    }

    private fun print(out: java.io.PrintWriter, report: BotReport) {
        val ms = { micros: Long -> String.format(Locale.ROOT, "%.1f ms", micros / 1000.0) }
        out.println("bots: ${report.bots} connected to $host:$port in ${String.format(Locale.ROOT, "%.2f s", report.connectNanos / 1e9)}")
        out.println(
            "bots: ${report.sent} messages sent; ${report.deliveries} of ${report.expectedDeliveries} deliveries" +
                if (report.complete) " (every bot got every message, in order)"
                else "; ${report.botsMissingMessages} bots missed messages, ${report.outOfOrder} out of order",
        )
        if (report.botsDropped > 0) {
            out.println(
                "bots: the server dropped ${report.botsDropped} bots, who missed ${report.missedByDropped} deliveries; " +
                    "it told them: ${report.droppedNotice}",
            )
        }
        if (report.missedSilently > 0) {
            out.println("bots: ${report.missedSilently} deliveries missing without a notice from the server")
        }
        out.println(
            String.format(Locale.ROOT, "bots: %.0f messages/s delivered over %.2f s", report.deliveriesPerSecond, report.nanos / 1e9) +
                "; latency p50 ${ms(report.latency.getValueAtPercentile(50.0))}, " +
                "p99 ${ms(report.latency.getValueAtPercentile(99.0))}, max ${ms(report.latency.maxValue)}",
        )
    }
}
