package dev.zerocopy.samples.arrays

import dev.zerocopy.EndOfStreamException
import dev.zerocopy.samples.shutDownGracefullyOnExit
import dev.zerocopy.samples.stream.DurationConverter
import picocli.CommandLine.Command
import picocli.CommandLine.Mixin
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Option
import picocli.CommandLine.ParameterException
import picocli.CommandLine.Spec
import java.io.IOException
import java.io.PrintWriter
import java.util.concurrent.Callable
import java.util.concurrent.atomic.AtomicBoolean
import kotlin.time.toKotlinDuration

/**
 * `arrays`: the seed's recipe end to end, a large array of doubles sent from a view
 * and received into a preallocated one. `serve` and `fetch` run the two halves (each
 * interoperates with the recipe's Python); `demo` runs both in one process.
 */
@Command(
    name = "arrays",
    mixinStandardHelpOptions = true,
    description = [
        "The seed's recipe: 400 MB of doubles sent from a view into a view.",
        "arange(0.0, 50000000.0) in native byte order, numpy's; serve and fetch",
        "interoperate with the recipe's own Python (samples/python/recipe.py).",
    ],
    subcommands = [ArraysServeCommand::class, ArraysFetchCommand::class, ArraysDemoCommand::class],
)
public class ArraysCommand : Runnable {

    @Spec
    private lateinit var spec: CommandSpec

    /** Fails with the list of subcommands: `arrays` alone does nothing. */
    override fun run() {
        throw ParameterException(spec.commandLine(), "Missing a subcommand: serve, fetch or demo")
    }
}

/** The options every `arrays` subcommand shares. */
public class TransferOptions {

    /** Doubles in the array. */
    @Option(
        names = ["-n", "--count"],
        paramLabel = "N",
        description = ["Doubles in the array (default: \${DEFAULT-VALUE}, 400 MB)."],
    )
    public var count: Int = DEFAULT_COUNT

    /** Raw bytes, or one frame per transfer. */
    @Option(
        names = ["--wire"],
        paramLabel = "MODE",
        description = [
            "raw: the bytes alone, the receiver must know the count (the recipe's wire);",
            "framed: an 8-byte big-endian length header first. Default: \${DEFAULT-VALUE}.",
        ],
    )
    public var wire: Wire = Wire.RAW

    /** Transfers per connection. */
    @Option(
        names = ["-r", "--repeat"],
        paramLabel = "TIMES",
        description = ["Transfers per connection, back to back (default: \${DEFAULT-VALUE})."],
    )
    public var repeat: Int = 1

    /** How long a transfer may make no progress before it is given up. */
    @Option(
        names = ["--stall-timeout"],
        paramLabel = "DURATION",
        converter = [DurationConverter::class],
        description = ["Give up on a peer when no 1 MiB slice moves for this long (default: 30s)."],
    )
    public var stallTimeout: java.time.Duration = java.time.Duration.ofSeconds(30)

    /** Returns the size of the array in bytes. */
    internal fun byteCount(): Long = count.toLong() * Double.SIZE_BYTES

    /** Checks the values against the command line's limits, naming the one exceeded. */
    internal fun validate(spec: CommandSpec) {
        if (count < 0 || count > MAX_COUNT) {
            throw ParameterException(
                spec.commandLine(),
                "--count $count is out of range: a view of doubles (asDoubles) covers at most ${Int.MAX_VALUE} bytes, " +
                    "so 0 to $MAX_COUNT doubles",
            )
        }
        if (stallTimeout.isZero) throw ParameterException(spec.commandLine(), "--stall-timeout must be longer than 0")
        if (repeat < 1 || repeat > 10_000) {
            throw ParameterException(spec.commandLine(), "--repeat $repeat is out of range: 1 to 10000")
        }
    }
}

private fun checkPort(spec: CommandSpec, port: Int) {
    if (port !in 0..65_535) throw ParameterException(spec.commandLine(), "--port $port is out of range: 0 to 65535")
}

/**
 * Runs [allocate], or prints why direct memory ran out and returns null: the default
 * limit is the maximum heap size, which on a small machine is less than 400 MB.
 */
private inline fun <T> allocating(err: PrintWriter, bytes: Long, allocate: () -> T): T? = try {
    allocate()
} catch (exhausted: OutOfMemoryError) {
    err.println(
        "cannot allocate ${grouped(bytes)} bytes of direct memory (${exhausted.message}); " +
            "run java with -XX:MaxDirectMemorySize=2g, say, or choose a smaller --count",
    )
    null
}

/**
 * Prints what a fetch received: each transfer's size, time and rate, `a[0:10]`, `a[-1]`,
 * and whether every element equals its index (the sender's `arange`).
 *
 * @return true if every element checked out
 */
private fun report(out: PrintWriter, err: PrintWriter, result: FetchResult): Boolean {
    val bytes = result.payload.size()
    result.nanos.forEachIndexed { i, nanos ->
        out.println(
            "transfer ${i + 1}/${result.nanos.size}: received ${grouped(bytes)} bytes in ${seconds(nanos)}: " +
                gibPerSecond(bytes, nanos),
        )
    }
    if (result.nanos.size > 1) {
        val median = result.nanos.sorted()[result.nanos.size / 2]
        out.println("median of ${result.nanos.size}: ${seconds(median)}, ${gibPerSecond(bytes, median)}")
    }
    out.println("a[0:10] = ${head(result.payload, 10)}")
    out.println("a[-1] = ${last(result.payload)}")
    val doubles = result.payload.size() / Double.SIZE_BYTES
    val mismatch = firstMismatch(result.payload)
    return if (mismatch < 0) {
        out.println("checked: a[i] == i for all ${grouped(doubles.toLong())} doubles")
        true
    } else {
        err.println(
            "mismatch: a[$mismatch] = ${number(result.payload.asDoubles().get(mismatch))}, " +
                "but arange(0.0, $doubles) has ${number(mismatch.toDouble())} there",
        )
        false
    }
}

/** `arrays serve`: sends the array to every client, like the recipe's server. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = [
        "Sends arange(0.0, N) to each client that connects, then closes it.",
        "One read-only direct view serves every client. The recipe's Python",
        "client (python/recipe.py fetch) can receive it.",
    ],
)
public class ArraysServeCommand : Callable<Int> {

    @Spec
    private lateinit var spec: CommandSpec

    @Mixin
    private lateinit var transfer: TransferOptions

    @Option(names = ["--bind"], paramLabel = "HOST", description = ["Address to listen on (default: \${DEFAULT-VALUE})."])
    private var bind: String = "127.0.0.1"

    @Option(names = ["-p", "--port"], description = ["Port to listen on, 0 for any free one (default: \${DEFAULT-VALUE})."])
    private var port: Int = 25_000

    @Option(names = ["--engine"], description = ["core: blocking core; ktor: Ktor adapter (default: \${DEFAULT-VALUE})."])
    private var engine: Engine = Engine.CORE

    @Option(
        names = ["--connections"],
        paramLabel = "N",
        description = ["Serve N connections, then exit; 0 serves until interrupted (default: \${DEFAULT-VALUE})."],
    )
    private var connections: Int = 0

    @Option(
        names = ["--shutdown-grace"], paramLabel = "DURATION", converter = [DurationConverter::class],
        description = [
            "On SIGTERM, stop accepting and let transfers in progress finish for this long",
            "before closing their connections (default: 10s).",
        ],
    )
    private var shutdownGrace: java.time.Duration = java.time.Duration.ofSeconds(10)

    /**
     * Serves until the connections are served or the process is asked to stop: SIGTERM or
     * Ctrl-C stops accepting and gives the transfers in progress `--shutdown-grace` to finish.
     */
    override fun call(): Int {
        transfer.validate(spec)
        checkPort(spec, port)
        if (connections < 0) throw ParameterException(spec.commandLine(), "--connections $connections must be >= 0")
        val out = spec.commandLine().out
        val data = allocating(spec.commandLine().err, transfer.byteCount()) { arange(transfer.count) } ?: return 1
        val server = try {
            ArrayServer.start(data, transfer.wire, engine, bind, port, transfer.repeat, connections, out, transfer.stallTimeout.toKotlinDuration())
        } catch (failed: IOException) {
            spec.commandLine().err.println("arrays serve: cannot listen on $bind:$port: ${failed.message}")
            return 1
        }
        val grace = shutdownGrace.toKotlinDuration()
        val modes = ModesSeen()
        val modesPrinted = AtomicBoolean()
        val printModes = {
            if (modesPrinted.compareAndSet(false, true)) {
                out.println(modes.line(sent = server.awaitServed() * data.size() * transfer.repeat, received = 0))
                out.flush()
            }
        }
        // Printed in the hook too, after the shutdown: the JVM may halt as soon as the hook returns.
        shutDownGracefullyOnExit("arrays-server-stop") { server.shutdown(grace); printModes() }.use { _ ->
            server.use {
                out.println(
                    "serving arange(0.0, ${transfer.count}.0): ${grouped(data.size())} bytes, " +
                        "${transfer.wire}, $engine, on $bind:${it.port}" +
                        (if (connections == 0) " until interrupted" else " for $connections connection(s)"),
                )
                out.flush()
                val served = try {
                    it.awaitServed()
                } catch (interrupted: InterruptedException) {
                    out.println("arrays serve: stopped")
                    return 0
                }
                printModes()
                return if (connections == 0 || served == connections) 0 else 1
            }
        }
    }
}

/** `arrays fetch`: receives the array into a preallocated view, like the recipe's client. */
@Command(
    name = "fetch",
    mixinStandardHelpOptions = true,
    description = [
        "Receives the array into a preallocated view and checks it.",
        "Like numpy.zeros + recv_into; prints a[0:10], a[-1], the byte count, the",
        "time and GiB/s. Works against arrays serve and against the recipe's",
        "Python server (python/recipe.py serve).",
    ],
)
public class ArraysFetchCommand : Callable<Int> {

    @Spec
    private lateinit var spec: CommandSpec

    @Mixin
    private lateinit var transfer: TransferOptions

    @Option(names = ["--host"], description = ["Server to connect to (default: \${DEFAULT-VALUE})."])
    private var host: String = "127.0.0.1"

    @Option(names = ["-p", "--port"], description = ["Server port (default: \${DEFAULT-VALUE})."])
    private var port: Int = 25_000

    @Option(names = ["--engine"], description = ["core: blocking core; ktor: Ktor adapter (default: \${DEFAULT-VALUE})."])
    private var engine: Engine = Engine.CORE

    @Option(names = ["--progress"], description = ["Show a progress bar on standard error."])
    private var progress: Boolean = false

    /** Fetches once per connection and prints the result; exit status 1 if it failed or the values are wrong. */
    override fun call(): Int {
        transfer.validate(spec)
        checkPort(spec, port)
        val out = spec.commandLine().out
        val err = spec.commandLine().err
        val fetcher = allocating(err, transfer.byteCount()) {
            ArrayFetcher(transfer.count, transfer.wire, engine, transfer.repeat, transfer.stallTimeout.toKotlinDuration())
        } ?: return 1
        val expected = fetcher.view.size() * transfer.repeat
        val modes = ModesSeen()
        val result = try {
            if (progress) {
                progressBar(err, expected).use { bar -> fetcher.fetch(host, port) { bar.stepTo(it) } }
            } else {
                fetcher.fetch(host, port)
            }
        } catch (failed: EndOfStreamException) {
            val hint = if (transfer.wire == Wire.RAW) " (the raw wire needs the same --count on both sides)" else ""
            err.println("arrays fetch: the server at $host:$port closed early: ${failed.message}$hint")
            return 1
        } catch (failed: IOException) {
            err.println("arrays fetch: cannot receive from $host:$port: ${failed.message}")
            return 1
        }
        val ok = report(out, err, result)
        out.println(modes.line(sent = 0, received = result.payload.size() * transfer.repeat))
        return if (ok) 0 else 1
    }
}

/** `arrays demo`: the README's main demo, both halves in one process over loopback. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = [
        "Runs serve and fetch in one process over 127.0.0.1: the main demo.",
        "Through the Ktor adapter by default, with a progress bar and a one-line",
        "summary.",
    ],
)
public class ArraysDemoCommand : Callable<Int> {

    @Spec
    private lateinit var spec: CommandSpec

    @Mixin
    private lateinit var transfer: TransferOptions

    @Option(names = ["-p", "--port"], description = ["Port on 127.0.0.1, 0 for any free one (default: \${DEFAULT-VALUE})."])
    private var port: Int = 0

    @Option(names = ["--engine"], description = ["core: blocking core; ktor: Ktor adapter (default: \${DEFAULT-VALUE})."])
    private var engine: Engine = Engine.KTOR

    @Option(names = ["--no-progress"], description = ["Do not show the progress bar."])
    private var noProgress: Boolean = false

    /** Serves one connection and fetches from it; exit status 1 if anything failed. */
    override fun call(): Int {
        transfer.validate(spec)
        checkPort(spec, port)
        val out = spec.commandLine().out
        val err = spec.commandLine().err
        val data = allocating(err, 2 * transfer.byteCount()) { arange(transfer.count) } ?: return 1
        val fetcher = allocating(err, 2 * transfer.byteCount()) {
            ArrayFetcher(transfer.count, transfer.wire, engine, transfer.repeat)
        } ?: return 1
        val expected = data.size() * transfer.repeat
        val modes = ModesSeen()
        ArrayServer.start(data, transfer.wire, engine, "127.0.0.1", port, transfer.repeat, connections = 1).use { server ->
            out.println(
                "arrays demo: arange(0.0, ${transfer.count}.0), ${grouped(data.size())} bytes x ${transfer.repeat}, " +
                    "127.0.0.1:${server.port}, ${transfer.wire} wire, $engine engine",
            )
            out.flush()
            val result = try {
                if (!noProgress) {
                    progressBar(err, expected).use { bar -> fetcher.fetch("127.0.0.1", server.port) { bar.stepTo(it) } }
                } else {
                    fetcher.fetch("127.0.0.1", server.port)
                }
            } catch (failed: IOException) {
                err.println("arrays demo: the transfer failed: ${failed.message}")
                return 1
            }
            val served = server.awaitServed()
            val ok = report(out, err, result) && served == 1
            out.println(modes.line(sent = expected, received = result.payload.size() * transfer.repeat))
            val total = result.nanos.sum()
            out.println(
                "demo ${if (ok) "ok" else "FAILED"}: ${grouped(expected)} bytes in ${seconds(total)}, " +
                    "${gibPerSecond(expected, total)} over loopback ($engine, ${transfer.wire}), " +
                    "a[-1] = ${last(result.payload)}",
            )
            return if (ok) 0 else 1
        }
    }
}
