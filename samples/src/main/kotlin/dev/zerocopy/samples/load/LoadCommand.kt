package dev.zerocopy.samples.load

import dev.zerocopy.samples.stream.ByteSizeConverter
import dev.zerocopy.samples.stream.DurationConverter
import dev.zerocopy.samples.stream.LenientEnumConverter
import me.tongfei.progressbar.ConsoleProgressBarConsumer
import me.tongfei.progressbar.ProgressBar
import me.tongfei.progressbar.ProgressBarBuilder
import me.tongfei.progressbar.ProgressBarStyle
import picocli.CommandLine
import picocli.CommandLine.Command
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Option
import picocli.CommandLine.Spec
import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.Locale
import java.util.concurrent.Callable

/** How progress is shown while a run goes on. */
public enum class ProgressStyle {
    /** A bar when a terminal is attached, else a line per second. */
    AUTO,

    /** A progress bar (me.tongfei:progressbar) on standard error, redrawn each second. */
    BAR,

    /** A status line per second on standard error, for logs. */
    LINE,

    /** Nothing until the final report. */
    NONE,
}

/** Reads a [LoadMode] in any case. */
public class LoadModeConverter : LenientEnumConverter<LoadMode>(LoadMode::class.java)

/** Reads a [ProgressStyle] in any case. */
public class ProgressStyleConverter : LenientEnumConverter<ProgressStyle>(ProgressStyle::class.java)

/** The `load` command: a coroutine load tester for `stream serve`, `arrays serve` and `load echo-serve`. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = [
        "Loads a stream, arrays or echo server from coroutines on the Ktor adapter.",
        "Reports requests, bytes, GiB/s, latency p50/p90/p99/max, errors by kind",
        "and the library's counters on this side (--json for scripts). Stream mode:",
        "range GETs of --chunk bytes at random offsets of --path over keep-alive.",
        "Arrays mode: one framed array per connection, received with recvFrame.",
        "Echo mode: frames of --chunk bytes to `load echo-serve` and back. Stops at",
        "--duration or --requests. --processes and --source spread the connections",
        "over child JVMs and source addresses. Loopback targets only, unless",
        "--allow-remote. Exit status: 0 if every request succeeded, 1 if any failed,",
        "2 for a bad command line.",
    ],
    subcommands = [EchoServeCommand::class],
)
public class LoadCommand : Callable<Int> {
    @Spec
    private lateinit var spec: CommandSpec

    // Not required by picocli, so that `load echo-serve` needs none; call() checks it.
    @Option(names = ["--target"], paramLabel = "HOST:PORT", description = ["Server to load (required)."])
    private var target: String? = null

    @Option(
        names = ["--mode"], paramLabel = "MODE", converter = [LoadModeConverter::class],
        description = ["stream, arrays or echo (default: stream)."],
    )
    private var mode: LoadMode = LoadMode.STREAM

    @Option(names = ["--path"], paramLabel = "PATH", description = ["Stream mode: the file to seek in, e.g. /movie.mp4."])
    private var path: String? = null

    @Option(names = ["--connections"], paramLabel = "N", description = ["Concurrent connections (default: \${DEFAULT-VALUE})."])
    private var connections: Int = 64

    @Option(
        names = ["--duration"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["How long to issue requests, e.g. 30s or 2m (default: 30s)."],
    )
    private var duration: Duration = Duration.ofSeconds(30)

    @Option(names = ["--requests"], paramLabel = "N", description = ["Stop after N requests in all; 0 = only --duration (default: 0)."])
    private var requests: Long = 0

    @Option(
        names = ["--chunk"], paramLabel = "SIZE", converter = [ByteSizeConverter::class],
        description = ["Stream: bytes per range GET. Arrays: largest frame accepted (default: 1MiB)."],
    )
    private var chunk: Long = 1L shl 20

    @Option(
        names = ["--timeout"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["Per request and per connect (default: 10s)."],
    )
    private var timeout: Duration = Duration.ofSeconds(10)

    @Option(names = ["--json"], paramLabel = "FILE", description = ["Also write the report's numbers to FILE as JSON."])
    private var json: Path? = null

    @Option(names = ["--allow-remote"], description = ["Accept a target that is not a loopback address."])
    private var allowRemote: Boolean = false

    @Option(
        names = ["--progress"], paramLabel = "STYLE", converter = [ProgressStyleConverter::class],
        description = ["auto (a bar on a terminal, else lines), bar, line or none (default: auto)."],
    )
    private var progress: ProgressStyle = ProgressStyle.AUTO

    @Option(names = ["--seed"], paramLabel = "N", description = ["Seed of the random offsets (default: \${DEFAULT-VALUE})."])
    private var seed: Long = 1

    @Option(
        names = ["--processes"], paramLabel = "N",
        description = [
            "Spread the connections over N child JVMs of this program and merge their",
            "reports; needed past 10,000 connections (default: \${DEFAULT-VALUE}).",
        ],
    )
    private var processes: Int = 1

    @Option(
        names = ["--source"], paramLabel = "ADDRESSES",
        description = [
            "Open connections from these addresses in turn, e.g. 127.0.0.1,127.0.0.2 or",
            "127.0.0.1-4; each gives about 28,000 connections to one server.",
        ],
    )
    private var source: String? = null

    @Option(names = ["--jvm-option"], paramLabel = "OPTION", description = ["An option for the child JVMs of --processes, e.g. -Xmx1g; repeatable."])
    private var jvmOptions: List<String> = emptyList()

    @Option(names = ["--first-connection"], hidden = true, description = ["A child's first connection within the whole run."])
    private var firstConnection: Int = 0

    @Option(names = ["--part-report"], hidden = true, description = ["A child writes its part of the report here."])
    private var partReport: Path? = null

    override fun call(): Int {
        val commandLine = spec.commandLine()
        fun usage(message: String): Nothing = throw CommandLine.ParameterException(commandLine, message)
        if (chunk !in 1..Int.MAX_VALUE - 8L) usage("--chunk $chunk must be from 1 byte to 2 GiB")
        val target = target ?: usage("Missing required option: '--target=HOST:PORT'")
        if (processes !in 1..connections) usage("--processes $processes must be from 1 to the $connections connections")
        val perProcess = (connections + processes - 1) / processes
        if (perProcess > LoadTester.MAX_CONNECTIONS) {
            usage(
                "--connections $connections in $processes process(es) is $perProcess per process, past the " +
                    "${LoadTester.MAX_CONNECTIONS} one process may open; add --processes ${(connections + LoadTester.MAX_CONNECTIONS - 1) / LoadTester.MAX_CONNECTIONS}"
            )
        }
        val config = try {
            LoadConfig(LoadTarget.parse(target, allowRemote)).also {
                it.mode = mode
                it.path = path
                it.connections = connections
                it.duration = duration
                it.requests = requests
                it.chunk = chunk.toInt()
                it.timeout = timeout
                it.seed = seed
                it.sources = source?.let { list -> parseSourceAddresses(list, allowRemote) }.orEmpty()
                it.firstConnection = firstConnection
            }
        } catch (invalid: IllegalArgumentException) {
            usage(invalid.message ?: invalid.toString())
        }
        val addresses = maxOf(1, config.sources.size)
        if ((connections + addresses - 1) / addresses > EPHEMERAL_PORTS) {
            usage(
                "--connections $connections from $addresses source address(es) pass the $EPHEMERAL_PORTS ephemeral ports of each; " +
                    "add addresses, e.g. --source 127.0.0.1-${(connections + EPHEMERAL_PORTS - 1) / EPHEMERAL_PORTS}"
            )
        }
        val report = try {
            if (processes == 1) {
                val tester = try {
                    LoadTester(config)
                } catch (invalid: IllegalArgumentException) {
                    usage(invalid.message ?: invalid.toString())
                }
                showingProgress { tester.runBlocking(it) }
            } else {
                val spread = try {
                    ProcessSpread(config, processes, jvmOptions, allowRemote)
                } catch (invalid: IllegalArgumentException) {
                    usage(invalid.message ?: invalid.toString())
                }
                val err = commandLine.err
                spread.run { index, pid ->
                    err.println("load: process ${index + 1} of $processes (pid $pid) runs ${spread.connectionsOf(index)} connections")
                    err.flush()
                }
            }
        } catch (failed: IOException) {
            commandLine.err.println("load: ${failed.message}")
            return 1
        }
        partReport?.let {
            report.write(it)
            return if (report.errors == 0L && report.requests > 0) 0 else 1
        }
        val out = commandLine.out
        out.print(report.text())
        json?.let {
            Files.writeString(it, report.json())
            out.println("  json      $it")
        }
        out.flush()
        return if (report.errors == 0L && report.requests > 0) 0 else 1
    }

    private fun showingProgress(run: ((LoadProgress) -> Unit) -> LoadReport): LoadReport {
        val style = if (progress == ProgressStyle.AUTO) {
            if (System.console() != null) ProgressStyle.BAR else ProgressStyle.LINE
        } else {
            progress
        }
        val err = spec.commandLine().err
        return when (style) {
            ProgressStyle.NONE, ProgressStyle.AUTO -> run {}
            ProgressStyle.LINE -> run { err.println("load: " + it.line()); err.flush() }
            ProgressStyle.BAR -> bar().use { bar ->
                run {
                    bar.stepTo(minOf(it.seconds.toLong(), bar.max))
                    bar.setExtraMessage(
                        String.format(Locale.ROOT, " %.3f GiB/s %.0f req/s %d errors", it.gibPerSecond, it.requestsPerSecond, it.errors)
                    )
                }.also { bar.stepTo(bar.max) }
            }
        }
    }

    private fun bar(): ProgressBar = ProgressBarBuilder()
        .setTaskName("load")
        .setInitialMax(maxOf(1, duration.toSeconds()))
        .setUnit(" s", 1)
        .setStyle(ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(1000)
        .hideEta()
        .setConsumer(ConsoleProgressBarConsumer(System.err))
        .build()
}
