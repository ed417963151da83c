package dev.zerocopy.samples.arrays

import dev.zerocopy.samples.Main
import org.junit.jupiter.api.Assertions.fail
import java.io.PrintWriter
import java.io.StringWriter
import java.io.Writer
import java.util.concurrent.CompletableFuture
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.ReentrantLock
import kotlin.concurrent.withLock
import kotlin.concurrent.thread

/** What a command printed and returned. */
class Outcome(val exitCode: Int, val out: String, val err: String) {
    override fun toString(): String = "exit $exitCode\n--- out:\n$out\n--- err:\n$err"
}

/** Runs a samples command in this process, as `java -jar zerocopy-samples.jar args` would. */
fun runCommand(vararg args: String): Outcome {
    val out = StringWriter()
    val err = StringWriter()
    val code = Main.commandLine().setOut(PrintWriter(out, true)).setErr(PrintWriter(err, true)).execute(*args)
    return Outcome(code, out.toString(), err.toString())
}

/** A writer that keeps everything written to it and lets a test wait for a pattern to appear. */
class WatchedOutput : Writer() {
    private val guard = ReentrantLock()
    private val written = guard.newCondition()
    private val text = StringBuilder()

    override fun write(chars: CharArray, offset: Int, length: Int) = guard.withLock {
        text.append(chars, offset, length)
        written.signalAll()
    }

    override fun flush() {}

    override fun close() {}

    /** Waits, on a condition rather than by polling, until [pattern] matches the output. */
    fun await(pattern: Regex, timeoutMillis: Long = 30_000): MatchResult = guard.withLock {
        var left = TimeUnit.MILLISECONDS.toNanos(timeoutMillis)
        var match = pattern.find(text)
        while (match == null) {
            if (left <= 0) fail<Unit>("no match for /$pattern/ within $timeoutMillis ms; output:\n$text")
            left = written.awaitNanos(left)
            match = pattern.find(text)
        }
        match
    }

    override fun toString(): String = guard.withLock { text.toString() }
}

/** A command running on its own thread (a server, say); closing interrupts it and waits for it to end. */
class Background(vararg args: String) : AutoCloseable {
    val out = WatchedOutput()
    val err = WatchedOutput()
    private val exit = CompletableFuture<Int>()
    private val runner = thread(name = "samples " + args.joinToString(" ")) {
        exit.complete(Main.commandLine().setOut(PrintWriter(out, true)).setErr(PrintWriter(err, true)).execute(*args))
    }

    /** Waits for the command to end by itself and returns its exit code. */
    fun awaitExit(timeoutSeconds: Long = 60): Int = exit.get(timeoutSeconds, TimeUnit.SECONDS)

    override fun close() {
        runner.interrupt()
        runner.join(30_000)
        check(!runner.isAlive) { "the command did not stop within 30 s of an interrupt; output:\n$out\n$err" }
    }
}

/** The port in a server's "... on 127.0.0.1:PORT ..." line, once it is printed. */
fun Background.awaitPort(): Int = out.await(Regex("""on 127\.0\.0\.1:(\d+)""")).groupValues[1].toInt()
