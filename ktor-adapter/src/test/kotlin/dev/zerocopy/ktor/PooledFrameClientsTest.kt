package dev.zerocopy.ktor

import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.kotest.matchers.string.shouldContain
import java.io.File
import java.util.concurrent.TimeUnit

/** Runs [PooledFrameClients] in a JVM of its own with the flags; returns its exit code and output. */
private fun runClients(memory: String): Pair<Int, String> {
    val java = File(System.getProperty("java.home"), "bin/java").path
    val process = ProcessBuilder(
        java, "-XX:+DisableExplicitGC", "-XX:MaxDirectMemorySize=64m", "-Xmx256m",
        "-cp", System.getProperty("java.class.path"),
        "dev.zerocopy.ktor.PooledFrameClientsKt", "1000", (1 shl 20).toString(), memory,
    ).redirectErrorStream(true).start()
    val output = StringBuilder()
    val reader = Thread { process.inputStream.bufferedReader().forEachLine { output.appendLine(it) } }
    reader.start()
    val finished = process.waitFor(150, TimeUnit.SECONDS)
    if (!finished) process.destroyForcibly()
    reader.join(10_000)
    finished shouldBe true
    return process.exitValue() to output.toString()
}

class PooledFrameClientsTest : FunSpec({

    test("1,000 clients each receive a pooled 1 MiB frame under DisableExplicitGC and 64 MiB of direct memory, 0 errors") {
        val (exit, output) = runClients("pooled")
        output shouldContain "clients=1000 errors=0"
        output shouldContain "viewsOut=0"
        exit shouldBe 0
    }

    test("the same clients allocating a direct view per frame run out of direct memory") {
        val (exit, output) = runClients("direct")
        output shouldContain "Cannot reserve 1048576 bytes of direct buffer memory"
        exit shouldBe 1
    }
})
