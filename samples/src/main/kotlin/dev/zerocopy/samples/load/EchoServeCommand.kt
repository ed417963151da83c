package dev.zerocopy.samples.load

import dev.zerocopy.TransferCounters
import dev.zerocopy.samples.shutDownGracefullyOnExit
import dev.zerocopy.samples.stream.ByteSizeConverter
import dev.zerocopy.samples.stream.formatBytes
import picocli.CommandLine.Command
import picocli.CommandLine.Model.CommandSpec
import picocli.CommandLine.Option
import picocli.CommandLine.ParameterException
import picocli.CommandLine.Spec
import java.io.IOException
import java.util.concurrent.Callable
import java.util.concurrent.CountDownLatch

/** `load echo-serve`: runs an [EchoServer] until interrupted, the target of `load --mode echo`. */
@Command(
    name = "echo-serve",
    mixinStandardHelpOptions = true,
    description = [
        "Runs a frame echo server on the Ktor adapter until interrupted (Ctrl-C, SIGTERM):",
        "each frame (8-byte length, payload) is received with recvFrame into a pooled",
        "view and sent back with sendFrame. Load it with: load --mode echo --target HOST:PORT.",
        "On exit it prints its connections, frames, bytes and the library's counters.",
    ],
)
public class EchoServeCommand : Callable<Int> {
    @Spec
    private lateinit var spec: CommandSpec

    @Option(names = ["--bind"], paramLabel = "HOST", description = ["Address to listen on (default: \${DEFAULT-VALUE})."])
    private var bind: String = "127.0.0.1"

    @Option(names = ["-p", "--port"], description = ["Port to listen on, 0 for any free one (default: \${DEFAULT-VALUE})."])
    private var port: Int = 9_000

    @Option(
        names = ["--max-frame"], paramLabel = "SIZE", converter = [ByteSizeConverter::class],
        description = ["Largest payload accepted; a larger frame ends its connection (default: 1MiB)."],
    )
    private var maxFrame: Long = 1L shl 20

    @Option(
        names = ["--pool"], paramLabel = "SIZE", converter = [ByteSizeConverter::class],
        description = ["Direct memory all frames in flight share (default: 64MiB)."],
    )
    private var pool: Long = 64L shl 20

    override fun call(): Int {
        val commandLine = spec.commandLine()
        if (port !in 0..65_535) throw ParameterException(commandLine, "--port $port is out of range: 0 to 65535")
        if (maxFrame !in 0..Int.MAX_VALUE - 8L) throw ParameterException(commandLine, "--max-frame $maxFrame must be from 0 to 2 GiB")
        if (pool < maxFrame || pool <= 0) throw ParameterException(commandLine, "--pool $pool must hold at least one frame of --max-frame $maxFrame")
        val out = commandLine.out
        val before = TransferCounters.snapshot()
        val server = try {
            EchoServer.start(bind, port, maxFrame.toInt(), pool) { line -> commandLine.err.println("echo-serve: $line") }
        } catch (failed: IOException) {
            commandLine.err.println("echo-serve: cannot listen on $bind:$port: ${failed.message}")
            return 1
        }
        out.println("echo-serve on $bind:${server.port}: frames up to ${formatBytes(maxFrame)}, ${formatBytes(pool)} pooled")
        out.flush()
        val stopped = CountDownLatch(1)
        shutDownGracefullyOnExit("echo-serve-stop") {
            server.close()
            val library = TransferCounters.snapshot().minus(before)
            out.println(
                "echo-serve: ${server.connectionsAccepted()} connections, ${server.framesEchoed()} frames, " +
                    "${formatBytes(server.bytesEchoed())} echoed; library: ${library.waits()} waits, " +
                    "${library.started()} file transfers (zero-copy ${formatBytes(library.zeroCopiedBytes())}, copy ${formatBytes(library.copiedBytes())})"
            )
            out.flush()
            stopped.countDown()
        }
        stopped.await()
        return 0
    }
}
