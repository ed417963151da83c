package dev.zerocopy.samples.load

import java.io.IOException
import java.nio.file.Files
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.TimeUnit

/**
 * Runs one load over several child JVMs, for more connections than one process may open
 * (20,000 descriptors on the project's machines, and about 10,000 connections with the
 * server in the same process) or more CPU than one selector thread gives. Each child is the
 * same program (`java -cp <this class path> dev.zerocopy.samples.Main load ...`) given its
 * share of the connections and of `--requests`, and the index of its first connection, so
 * that seeds and source addresses run on across processes as in one. Each child writes its
 * report, histogram included, to a file; [run] merges them (see [LoadReport.merge]).
 *
 * Bounded: each child stops by itself at its duration or count; one still running a
 * minute after that is destroyed and the run fails naming it.
 *
 * @param config the whole run: [LoadConfig.connections] and [LoadConfig.requests] in all
 * @param processes how many children
 * @param jvmOptions options for every child JVM, e.g. `-Xmx1g`
 * @param allowRemote passed on to the children
 */
internal class ProcessSpread(
    private val config: LoadConfig,
    private val processes: Int,
    private val jvmOptions: List<String>,
    private val allowRemote: Boolean,
) {
    init {
        config.check()
        require(processes in 2..config.connections) { "processes must be 2 to the ${config.connections} connections, was $processes" }
        require(config.requests == 0L || config.requests >= processes) {
            "requests ${config.requests} cannot be shared by $processes processes: give at least one each"
        }
    }

    /** The connections of child [index]: an even share, the first children taking one more. */
    fun connectionsOf(index: Int): Int = config.connections / processes + if (index < config.connections % processes) 1 else 0

    private fun requestsOf(index: Int): Long =
        if (config.requests == 0L) 0 else config.requests / processes + if (index < config.requests % processes) 1 else 0

    /**
     * Starts the children, waits for all of them and returns their merged report.
     *
     * @param started told each child's process id as it starts, for a status line
     * @throws IOException if a child cannot start, fails without a report, or overruns its time
     */
    fun run(started: (index: Int, pid: Long) -> Unit = { _, _ -> }): LoadReport {
        val dir = Files.createTempDirectory("zerocopy-load-")
        val children = ArrayList<Process>()
        try {
            var first = config.firstConnection
            for (index in 0 until processes) {
                val result = dir.resolve("part-$index.properties")
                val command = javaCommand() + childArguments(index, first, result)
                val process = ProcessBuilder(command)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(dir.resolve("part-$index.err").toFile())
                    .start()
                children += process
                started(index, process.pid())
                first += connectionsOf(index)
            }
            // The children's own bound (LoadTester.run), plus time for a JVM to start and end.
            val bound = config.duration + config.timeout + Duration.ofSeconds(5) + CHILD_OVERHEAD
            val deadline = System.nanoTime() + bound.toNanos()
            val parts = children.mapIndexed { index, process ->
                val left = deadline - System.nanoTime()
                if (!process.waitFor(maxOf(0, left), TimeUnit.NANOSECONDS)) {
                    throw IOException("load process ${index + 1} of $processes (pid ${process.pid()}) still ran ${bound.toSeconds()} s after the start" + tail(dir, index))
                }
                val result = dir.resolve("part-$index.properties")
                if (!Files.exists(result)) {
                    throw IOException("load process ${index + 1} of $processes (pid ${process.pid()}) exited with status ${process.exitValue()} without a report" + tail(dir, index))
                }
                LoadReport.read(result)
            }
            return LoadReport.merge(parts)
        } finally {
            children.forEach { if (it.isAlive) it.destroyForcibly() }
            children.forEach { it.waitFor(10, TimeUnit.SECONDS) }
            dir.toFile().deleteRecursively()
        }
    }

    private fun javaCommand(): List<String> =
        listOf(Path.of(System.getProperty("java.home"), "bin", "java").toString()) + jvmOptions +
            listOf("-cp", System.getProperty("java.class.path"), "dev.zerocopy.samples.Main")

    private fun childArguments(index: Int, first: Int, result: Path): List<String> = buildList {
        add("load")
        add("--target"); add(config.target.hostHeader)
        add("--mode"); add(config.mode.name)
        config.path?.let { add("--path"); add(it) }
        add("--connections"); add(connectionsOf(index).toString())
        add("--duration"); add(config.duration.toString())
        add("--requests"); add(requestsOf(index).toString())
        add("--chunk"); add(config.chunk.toString())
        add("--timeout"); add(config.timeout.toString())
        add("--seed"); add(config.seed.toString())
        if (config.sources.isNotEmpty()) {
            add("--source"); add(config.sources.joinToString(",") { it.hostAddress })
        }
        if (allowRemote) add("--allow-remote")
        add("--progress"); add("none")
        add("--first-connection"); add(first.toString())
        add("--part-report"); add(result.toString())
    }

    private fun tail(dir: Path, index: Int): String {
        val err = dir.resolve("part-$index.err")
        val text = if (Files.exists(err)) Files.readAllLines(err).takeLast(5).joinToString("\n  ") else ""
        return if (text.isBlank()) "" else "; its standard error ends:\n  $text"
    }

    private companion object {
        val CHILD_OVERHEAD: Duration = Duration.ofSeconds(60)
    }
}
