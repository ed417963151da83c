package dev.zerocopy.samples.stream

import dev.zerocopy.FileMode
import dev.zerocopy.FileOptions
import dev.zerocopy.samples.MeterPrinter
import dev.zerocopy.samples.shutDownGracefullyOnExit
import picocli.CommandLine
import picocli.CommandLine.Command
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Option
import picocli.CommandLine.Spec
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.Callable

/** The `stream` command: a media server speaking a small subset of HTTP/1.1. */
@Command(
    name = "stream",
    mixinStandardHelpOptions = true,
    description = ["Seekable media over HTTP ranges, with a cache and live ingest."],
    subcommands = [StreamServeCommand::class],
)
public class StreamCommand : Runnable {
    @Spec
    private lateinit var spec: CommandSpec

    override fun run() {
        throw CommandLine.ParameterException(spec.commandLine(), "Missing a command: serve")
    }
}

/** `stream serve`: serves a directory until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = [
        "Serves the files under --root over HTTP/1.1 until interrupted.",
        "GET and HEAD with Range: bytes=a-b, a- or -n (206, Content-Range) and",
        "keep-alive; bodies go out with the adapter's sendFile, or as slices of",
        "files loaded once into direct memory with --cache. Live ingest: PUT",
        "/live/NAME with Content-Range: bytes a-b/total receives the body into a",
        "preallocated view at that offset; GET /live/NAME serves what arrived.",
        "Logs one line per request through SLF4J.",
    ],
)
public class StreamServeCommand : Callable<Int> {
    @Spec
    private lateinit var spec: CommandSpec

    @Option(names = ["--root"], required = true, paramLabel = "DIR", description = ["Directory to serve."])
    private lateinit var root: Path

    @Option(names = ["-p", "--port"], paramLabel = "N", description = ["Port to listen on; 0 picks a free one (default: \${DEFAULT-VALUE})."])
    private var port: Int = 8080

    @Option(names = ["--bind"], paramLabel = "ADDRESS", description = ["Address to listen on (default: \${DEFAULT-VALUE})."])
    private var host: String = "127.0.0.1"

    @Option(names = ["--cache"], description = ["Load the files into direct memory at start-up and serve slices of them."])
    private var cache: Boolean = false

    @Option(
        names = ["--cache-limit"], paramLabel = "SIZE", converter = [ByteSizeConverter::class],
        description = ["Most bytes the cache holds (default: 1GiB)."],
    )
    private var cacheLimit: Long = 1L shl 30

    @Option(
        names = ["--live-limit"], paramLabel = "SIZE", converter = [ByteSizeConverter::class],
        description = ["Most bytes all live streams preallocate together (default: 256MiB)."],
    )
    private var liveLimit: Long = 256L shl 20

    @Option(
        names = ["--max-live-streams"], paramLabel = "N",
        description = ["Most live streams at once, each charged 1 KiB beyond its bytes (default: \${DEFAULT-VALUE})."],
    )
    private var maxLiveStreams: Int = LiveStreams.DEFAULT_MAX_STREAMS

    @Option(
        names = ["--file-mode"], paramLabel = "MODE", converter = [FileModeConverter::class],
        description = ["How file bodies go out: auto, zero-copy or copy (default: auto)."],
    )
    private var fileMode: FileMode = FileMode.AUTO

    @Option(
        names = ["--idle-timeout"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["How long a keep-alive connection waits for its next request (default: 30s)."],
    )
    private var idleTimeout: Duration = Duration.ofSeconds(30)

    @Option(
        names = ["--stall-timeout"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["How long a response or upload may make no progress before its connection is dropped (default: 60s)."],
    )
    private var stallTimeout: Duration = Duration.ofSeconds(60)

    @Option(
        names = ["--shutdown-grace"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = [
            "On SIGTERM, stop accepting and let responses in progress finish for this long",
            "before closing their connections (default: 10s).",
        ],
    )
    private var shutdownGrace: Duration = Duration.ofSeconds(10)

    @Option(
        names = ["--max-connections"], paramLabel = "N",
        description = ["Connections served at once; more get 503 (default: \${DEFAULT-VALUE})."],
    )
    private var maxConnections: Int = 4096

    @Option(names = ["--no-access-log"], description = ["Do not log a line per request."])
    private var noAccessLog: Boolean = false

    @Option(
        names = ["--metrics"],
        description = [
            "Bind the library's Micrometer meters (zerocopy-micrometer) to a simple registry",
            "and print them to standard output at shutdown.",
        ],
    )
    private var metrics: Boolean = false

    @Option(
        names = ["--metrics-interval"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = ["Also print the meters every DURATION; implies --metrics (default: only at shutdown)."],
    )
    private var metricsInterval: Duration = Duration.ZERO

    override fun call(): Int {
        if (!Files.isDirectory(root)) throw CommandLine.ParameterException(spec.commandLine(), "--root $root is not a directory")
        for ((name, value) in listOf("--idle-timeout" to idleTimeout, "--stall-timeout" to stallTimeout)) {
            if (value.isZero) throw CommandLine.ParameterException(spec.commandLine(), "$name must be longer than 0")
        }
        if (maxLiveStreams < 1) throw CommandLine.ParameterException(spec.commandLine(), "--max-live-streams $maxLiveStreams must be >= 1")
        if (port !in 0..65535) throw CommandLine.ParameterException(spec.commandLine(), "--port $port is not a port")
        val config = StreamConfig(root).also {
            it.host = host
            it.port = port
            it.cache = cache
            it.cacheLimit = cacheLimit
            it.liveLimit = liveLimit
            it.maxLiveStreams = maxLiveStreams
            it.fileOptions = FileOptions.defaults().withMode(fileMode)
            it.idleTimeout = idleTimeout
            it.stallTimeout = stallTimeout
            it.maxConnections = maxConnections
            it.accessLog = !noAccessLog
        }
        val out = spec.commandLine().out
        val meters = if (metrics || !metricsInterval.isZero) MeterPrinter("stream", out, metricsInterval) else null
        val server = StreamServer.start(config)
        shutDownGracefullyOnExit("stream-server-stop") {
            server.shutdown(shutdownGrace)
            // In the hook, not after awaitClose: the JVM may halt as soon as the hook returns.
            meters?.close()
        }
        out.println("stream: serving ${server.root} at ${server.baseUrl}/")
        if (cache) out.println("stream: cached ${server.cachedFiles} files, ${formatBytes(server.cachedBytes)}")
        out.println("stream: live ingest at ${server.baseUrl}/live/NAME (limit ${formatBytes(liveLimit)}); Ctrl-C stops")
        out.flush()
        server.awaitClose()
        return 0
    }
}
