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

/** The `load` command: a coroutine load tester for `stream serve` and `arrays serve`. */
@Command(
    name = "load",
    mixinStandardHelpOptions = true,
    description = [
        "Loads a stream or arrays server from coroutines on the Ktor adapter.",
        "Reports requests, bytes, GiB/s, latency p50/p90/p99/max and errors by",
        "kind (--json for scripts). Stream mode: range GETs of --chunk bytes at",
        "random offsets of --path over keep-alive. Arrays mode: one framed array",
        "per connection, received with recvFrame. Stops at --duration or",
        "--requests. Loopback targets only, unless --allow-remote. Exit status:",
        "0 if every request succeeded, 1 if any failed, 2 for a bad command line.",
    ],
)
public class LoadCommand : Callable<Int> {
    @Spec
    private lateinit var spec: CommandSpec

    @Option(names = ["--target"], required = true, paramLabel = "HOST:PORT", description = ["Server to load."])
    private lateinit var target: String

    @Option(
        names = ["--mode"], paramLabel = "MODE", converter = [LoadModeConverter::class],
        description = ["stream or arrays (default: stream)."],
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

    override fun call(): Int {
        val commandLine = spec.commandLine()
        fun usage(message: String): Nothing = throw CommandLine.ParameterException(commandLine, message)
        if (chunk !in 1..Int.MAX_VALUE - 8L) usage("--chunk $chunk must be from 1 byte to 2 GiB")
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
            }
        } catch (invalid: IllegalArgumentException) {
            usage(invalid.message ?: invalid.toString())
        }
        val tester = try {
            LoadTester(config)
        } catch (invalid: IllegalArgumentException) {
            usage(invalid.message ?: invalid.toString())
        }
        val report = try {
            showingProgress { tester.runBlocking(it) }
        } catch (failed: IOException) {
            commandLine.err.println("load: ${failed.message}")
            return 1
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
