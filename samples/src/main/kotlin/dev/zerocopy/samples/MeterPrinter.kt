package dev.zerocopy.samples

import dev.zerocopy.micrometer.ZeroCopyMetrics
import io.micrometer.core.instrument.simple.SimpleMeterRegistry
import java.io.PrintWriter
import java.time.Duration
import java.time.Instant
import java.util.Timer
import kotlin.concurrent.fixedRateTimer

/**
 * The library's meters ([ZeroCopyMetrics]: bytes by mode, fallbacks by reason, transfers by
 * outcome, waits) bound to a Micrometer [SimpleMeterRegistry] and printed to [out], every
 * [interval] if it is not zero and once more by [close]. A stand-in for a real registry
 * (Prometheus, OTLP): the binding is the same line of code.
 *
 * The counters are the process's, so they include every transfer since it started.
 * Thread-safe; [close] once, when the program stops.
 */
internal class MeterPrinter(private val name: String, private val out: PrintWriter, interval: Duration) : AutoCloseable {

    private val registry = SimpleMeterRegistry().also { ZeroCopyMetrics().bindTo(it) }

    private val timer: Timer? = if (interval.isZero) {
        null
    } else {
        fixedRateTimer("$name-meters", daemon = true, initialDelay = interval.toMillis(), period = interval.toMillis()) { print() }
    }

    /** Prints every meter, one per line, under a line naming the time. */
    fun print() {
        val meters = registry.metersAsString
        synchronized(out) {
            out.println("$name: meters at ${Instant.now()}")
            out.println(meters)
            out.flush()
        }
    }

    /** Stops the periodic printing and prints the meters a last time. */
    override fun close() {
        timer?.cancel()
        print()
    }
}
