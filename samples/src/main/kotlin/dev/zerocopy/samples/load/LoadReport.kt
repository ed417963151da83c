package dev.zerocopy.samples.load

import dev.zerocopy.samples.stream.formatBytes
import org.HdrHistogram.Histogram
import java.util.Locale

/** What a load run fetches. */
public enum class LoadMode {
    /** Range GETs at random offsets of one file of a `stream serve`, over keep-alive connections. */
    STREAM,

    /** One framed array per connection from an `arrays serve`, received with the adapter's `recvFrame`. */
    ARRAYS,
}

/**
 * The ways a request can fail, with their JSON keys and report labels.
 *
 * @property key the JSON key of the count
 * @property label the name in the text report
 */
public enum class ErrorKind(public val key: String, public val label: String) {
    /** The connection could not be opened. */
    CONNECT("errorsConnect", "connect"),

    /** No complete response within the request timeout. */
    TIMEOUT("errorsTimeout", "timeout"),

    /** The connection failed (reset, closed while sending). */
    IO("errorsIo", "io"),

    /** The stream ended before the whole response or frame arrived. */
    SHORT_BODY("errorsShortBody", "short-body"),

    /** A status other than the one expected (206 for a range). */
    STATUS("errorsStatus", "status"),

    /** A response that does not match its request: length, range, or an unparseable head. */
    PROTOCOL("errorsProtocol", "protocol"),

    /** A frame too large for `--chunk`, with a negative size, or not a whole number of doubles. */
    FRAME("errorsFrame", "frame"),
}

/** The numbers shown once a second while a run goes on; rates are over the last interval. */
public class LoadProgress(
    /** Seconds since the run started. */
    public val seconds: Double,
    /** Responses completed so far. */
    public val requests: Long,
    /** Body bytes received so far. */
    public val bytes: Long,
    /** Failed requests so far. */
    public val errors: Long,
    /** GiB per second over the last interval. */
    public val gibPerSecond: Double,
    /** Responses per second over the last interval. */
    public val requestsPerSecond: Double,
) {
    /** A one-line status: rates and totals. */
    public fun line(): String = String.format(
        Locale.ROOT, "%5.1f s  %7.3f GiB/s  %9.1f req/s  %s  %d requests  %d errors",
        seconds, gibPerSecond, requestsPerSecond, formatBytes(bytes), requests, errors,
    )
}

/**
 * The result of a load run: counts, throughput, latency percentiles (HdrHistogram, in
 * microseconds, from sending a request to its last body byte) and errors by kind.
 */
public class LoadReport(
    /** What was fetched. */
    public val mode: LoadMode,
    /** Where from, e.g. `127.0.0.1:8080/movie.mp4`. */
    public val target: String,
    /** Concurrent connections. */
    public val connections: Int,
    /** Connections opened in all: one per worker over keep-alive, more if servers close them (and one per array). */
    public val connects: Long,
    /** Wall-clock seconds from the first request to the last response. */
    public val seconds: Double,
    /** Responses received whole and checked. */
    public val requests: Long,
    /** Body bytes received in those responses (heads and frame headers not counted). */
    public val bytes: Long,
    private val latency: Histogram,
    /** Failed requests by kind, every kind present. */
    public val errorsByKind: Map<ErrorKind, Long>,
    /** The first failure message of each kind that occurred. */
    public val firstErrors: Map<ErrorKind, String>,
) {
    /** All failed requests. */
    public val errors: Long get() = errorsByKind.values.sum()

    /** Body GiB received per second. */
    public val gibPerSecond: Double get() = bytes / seconds / (1L shl 30)

    /** Responses per second. */
    public val requestsPerSecond: Double get() = requests / seconds

    /** The latency at [percentile] (0 to 100), in microseconds; 0 without responses. */
    public fun latencyMicros(percentile: Double): Long = if (latency.totalCount == 0L) 0 else latency.getValueAtPercentile(percentile)

    /** The largest latency, in microseconds. */
    public val maxLatencyMicros: Long get() = if (latency.totalCount == 0L) 0 else latency.maxValue

    /** The mean latency, in microseconds. */
    public val meanLatencyMicros: Double get() = if (latency.totalCount == 0L) 0.0 else latency.mean

    /** The report for people. */
    public fun text(): String = buildString {
        appendLine(String.format(Locale.ROOT, "load: %s %s, %d connections, %.1f s", mode.name.lowercase(Locale.ROOT), target, connections, seconds))
        appendLine(String.format(Locale.ROOT, "  requests  %d (%.1f/s) over %d connects", requests, requestsPerSecond, connects))
        appendLine(String.format(Locale.ROOT, "  bytes     %d = %s (%.3f GiB/s)", bytes, formatBytes(bytes), gibPerSecond))
        appendLine(
            String.format(
                Locale.ROOT, "  latency   p50 %d us  p90 %d us  p99 %d us  max %d us",
                latencyMicros(50.0), latencyMicros(90.0), latencyMicros(99.0), maxLatencyMicros,
            )
        )
        append("  errors    ").append(errors)
        append(errorsByKind.entries.joinToString(", ", " (", ")") { "${it.key.label} ${it.value}" })
        appendLine()
        for ((kind, message) in firstErrors) appendLine("    first ${kind.label}: $message")
    }

    /**
     * The same numbers as one flat JSON object of numbers, for scripts. Every key is a
     * fixed identifier and every value a finite number, so nothing needs escaping.
     */
    public fun json(): String {
        val fields = buildList {
            add("connections" to connections.toString())
            add("connects" to connects.toString())
            add("seconds" to decimal(seconds))
            add("requests" to requests.toString())
            add("bytes" to bytes.toString())
            add("gibPerSecond" to decimal(gibPerSecond))
            add("requestsPerSecond" to decimal(requestsPerSecond))
            add("latencyP50Micros" to latencyMicros(50.0).toString())
            add("latencyP90Micros" to latencyMicros(90.0).toString())
            add("latencyP99Micros" to latencyMicros(99.0).toString())
            add("latencyMaxMicros" to maxLatencyMicros.toString())
            add("latencyMeanMicros" to decimal(meanLatencyMicros))
            add("errors" to errors.toString())
            for ((kind, count) in errorsByKind) add(kind.key to count.toString())
        }
        return fields.joinToString(",\n", "{\n", "\n}\n") { (key, value) -> "  \"$key\": $value" }
    }

    private fun decimal(value: Double): String =
        if (value.isFinite()) String.format(Locale.ROOT, "%.6f", value) else "0"
}
