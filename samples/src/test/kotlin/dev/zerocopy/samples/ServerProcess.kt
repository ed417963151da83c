package dev.zerocopy.samples

import dev.zerocopy.samples.arrays.WatchedOutput
import java.io.File
import java.io.IOException
import java.util.jar.JarEntry
import java.util.jar.JarOutputStream
import java.util.concurrent.TimeUnit
import kotlin.concurrent.thread

/**
 * A samples command running as a child JVM, for what a test cannot do to its own process:
 * lower the descriptor limit (`prlimit --nofile`), send SIGTERM. Standard output and error
 * are merged into [output]. Closing kills the process (SIGKILL after 10 s) and waits for it.
 *
 * @param nofile the child's descriptor limit, or null to inherit this process's
 * @param jvmArgs options for the child's JVM, such as `-XX:StartFlightRecording:...`
 * @param java the child's `java` executable, or null for this process's
 */
class ServerProcess(
    vararg args: String,
    nofile: Int? = null,
    jvmArgs: List<String> = emptyList(),
    java: String? = null,
) : AutoCloseable {
    val output = WatchedOutput()
    val process: Process
    private val pump: Thread

    init {
        val java = java ?: File(System.getProperty("java.home"), "bin/java").path
        val classPath = childClassPath()
        val command = buildList {
            if (nofile != null) addAll(listOf("prlimit", "--nofile=$nofile:$nofile", "--"))
            addAll(listOf(java, "-Xmx256m"))
            addAll(jvmArgs)
            addAll(listOf("-cp", classPath, Main::class.java.name))
            addAll(args)
        }
        process = ProcessBuilder(command).redirectErrorStream(true).start()
        pump = thread(name = "child output", isDaemon = true) {
            try {
                process.inputStream.reader().use { reader ->
                    val buffer = CharArray(4096)
                    while (true) {
                        val read = reader.read(buffer)
                        if (read < 0) break
                        output.write(buffer, 0, read)
                    }
                }
            } catch (_: IOException) {
                // The JDK closes the pipe under a blocked read once the child has exited: its output is over.
            }
        }
    }

    /** The port in the server's first "127.0.0.1:PORT", once it is printed (within [timeoutMillis]). */
    fun awaitPort(timeoutMillis: Long = 30_000): Int =
        output.await(Regex("""127\.0\.0\.1:(\d+)"""), timeoutMillis).groupValues[1].toInt()

    /**
     * Sends SIGTERM, leaving the output flowing into [output]. Not `Process.destroy()`: that
     * also closes this side of the child's output pipe, so nothing the child writes while it
     * shuts down (the access log line of a response finished in the grace period) would arrive.
     */
    fun sigterm() {
        process.toHandle().destroy()
    }

    /** Sends SIGTERM ([sigterm]) and waits up to [timeoutSeconds] for the exit status; null if it did not exit. */
    fun terminate(timeoutSeconds: Long): Int? {
        sigterm()
        return if (process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) process.exitValue() else null
    }

    override fun close() {
        sigterm()
        if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(10, TimeUnit.SECONDS)
        pump.join(5_000)
    }

    companion object {
        /**
         * The samples as they ship: their classes in a jar (built once per test run from
         * `target/classes`), then the dependency jars. Not the classes directory: a class
         * loaded lazily from a directory needs a descriptor to open its file, so a child out
         * of descriptors would fail to load code that the shaded jar, kept open, serves.
         */
        private val childClassPath: String by lazy {
            val entries = (System.getProperty("surefire.test.class.path") ?: System.getProperty("java.class.path"))
                .split(File.pathSeparator).filter { it.isNotEmpty() }
            val classes = entries.map(::File).filter { it.isDirectory && it.name == "classes" }
            val jars = entries.filter { it.endsWith(".jar") && TEST_ONLY.none(it::contains) }
            val jar = File.createTempFile("zerocopy-samples-child-", ".jar").apply { deleteOnExit() }
            JarOutputStream(jar.outputStream().buffered()).use { out ->
                for (dir in classes) {
                    dir.walkTopDown().filter { it.isFile }.forEach { file ->
                        out.putNextEntry(JarEntry(file.relativeTo(dir).invariantSeparatorsPath))
                        file.inputStream().use { it.copyTo(out) }
                        out.closeEntry()
                    }
                }
            }
            (listOf(jar.path) + jars).joinToString(File.pathSeparator)
        }

        private fun childClassPath(): String = childClassPath

        /** Test-only jars the child does not need. */
        private val TEST_ONLY = listOf("junit", "opentest4j", "apiguardian", "kotest", "surefire")

        /** Whether `prlimit` is on the PATH (util-linux). */
        fun hasPrlimit(): Boolean = System.getenv("PATH").orEmpty().split(File.pathSeparator).any { File(it, "prlimit").canExecute() }
    }
}
