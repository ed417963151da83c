package dev.zerocopy.samples.load

import dev.zerocopy.FallbackCode
import dev.zerocopy.TransferCounters
import dev.zerocopy.samples.stream.formatBytes
import org.HdrHistogram.Histogram
import java.nio.ByteBuffer
import java.nio.file.Files
import java.nio.file.Path
import java.util.Base64
import java.util.EnumMap
import java.util.Locale
import java.util.Properties
import java.util.zip.Deflater

/** What a load run fetches. */
public enum class LoadMode {
    /** Range GETs at random offsets of one file of a `stream serve`, over keep-alive connections. */
    STREAM,

    /** One framed array per connection from an `arrays serve`, received with the adapter's `recvFrame`. */
    ARRAYS,

    /**
     * Frames of `--chunk` bytes sent to a `load echo-serve` with `sendFrame` over keep-alive
     * connections and received back with `recvFrame`, compared byte for byte.
     */
    ECHO,
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

    /** A response that does not match its request: length, range, an unparseable head, or an echo that differs. */
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
 * microseconds, from sending a request to its last body byte), errors by kind, and what
 * the library did on the load tester's side. A run over several processes reports their
 * sums, one merged histogram, and the longest process's wall time.
 */
public class LoadReport(
    /** What was fetched. */
    public val mode: LoadMode,
    /** Where from, e.g. `127.0.0.1:8080/movie.mp4`. */
    public val target: String,
    /** Concurrent connections, in all processes. */
    public val connections: Int,
    /** Connections opened in all: one per worker over keep-alive, more if servers close them (and one per array). */
    public val connects: Long,
    /** Wall-clock seconds from the first request to the last response (of the slowest process). */
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
    /** The processes the connections were spread over. */
    public val processes: Int,
    /** Connections opened from each `--source` address, by address; empty when the kernel chose. */
    public val connectsBySource: Map<String, Long>,
    /**
     * The library's process-wide counters on the load tester's side, moved during the run
     * (summed over processes): file transfers by mode, fallbacks by code, waits for readiness.
     * The load tester receives into views, so its file-transfer figures stay 0 and its waits
     * count how often a receive found nothing to read; the server's modes are the server's
     * to report (`stream serve` logs one per request, `load echo-serve` prints its counters).
     */
    public val library: TransferCounters,
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
        if (processes > 1 || connectsBySource.isNotEmpty()) {
            append("  spread    ").append(processes).append(if (processes == 1) " process" else " processes")
            if (connectsBySource.isNotEmpty()) {
                append(", connects by source address: ")
                append(connectsBySource.entries.joinToString(", ") { "${it.key} ${it.value}" })
            }
            appendLine()
        }
        appendLine(
            String.format(
                Locale.ROOT, "  library   file transfers %d: zero-copy %s, copy %s; fallbacks %s; waits %d",
                library.started(), formatBytes(library.zeroCopiedBytes()), formatBytes(library.copiedBytes()),
                library.fallbacks().filterValues { it > 0 }.entries.joinToString(", ") { "${it.key} ${it.value}" }.ifEmpty { "none" },
                library.waits(),
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
            add("processes" to processes.toString())
            add("libraryFileTransfers" to library.started().toString())
            add("libraryZeroCopiedBytes" to library.zeroCopiedBytes().toString())
            add("libraryCopiedBytes" to library.copiedBytes().toString())
            for ((code, count) in library.fallbacks()) add(fallbackKey(code) to count.toString())
            add("libraryWaits" to library.waits().toString())
        }
        return fields.joinToString(",\n", "{\n", "\n}\n") { (key, value) -> "  \"$key\": $value" }
    }

    private fun decimal(value: Double): String =
        if (value.isFinite()) String.format(Locale.ROOT, "%.6f", value) else "0"

    /**
     * Writes everything [read] needs to rebuild this report, histogram included, as a
     * properties file: how a child process of a spread run hands its part to the parent.
     */
    internal fun write(file: Path) {
        val properties = Properties()
        fun put(key: String, value: Any) {
            properties.setProperty(key, value.toString())
        }
        put("mode", mode.name)
        put("target", target)
        put("connections", connections)
        put("connects", connects)
        put("seconds", seconds)
        put("requests", requests)
        put("bytes", bytes)
        val encoded = ByteBuffer.allocate(latency.neededByteBufferCapacity)
        val length = latency.encodeIntoCompressedByteBuffer(encoded, Deflater.BEST_SPEED)
        put("latency", Base64.getEncoder().encodeToString(encoded.array().copyOf(length)))
        for ((kind, count) in errorsByKind) put("errors.${kind.name}", count)
        for ((kind, message) in firstErrors) put("firstError.${kind.name}", message)
        for ((source, count) in connectsBySource) put("source.$source", count)
        put("library.zeroCopiedBytes", library.zeroCopiedBytes())
        put("library.copiedBytes", library.copiedBytes())
        for ((code, count) in library.fallbacks()) put("library.fallback.${code.name}", count)
        put("library.started", library.started())
        put("library.completed", library.completed())
        put("library.failed", library.failed())
        put("library.waits", library.waits())
        put("library.timeouts", library.timeouts())
        put("library.cancellations", library.cancellations())
        Files.newBufferedWriter(file).use { properties.store(it, "zerocopy-samples load: one process's part of a run") }
    }

    internal companion object {
        /** `libraryFallbackStreamReceive` for `STREAM_RECEIVE`. */
        private fun fallbackKey(code: FallbackCode): String =
            "libraryFallback" + code.name.split('_').joinToString("") { it.lowercase(Locale.ROOT).replaceFirstChar(Char::titlecase) }

        /**
         * Reads a report [write] wrote.
         *
         * @throws IllegalArgumentException if a field is missing or malformed (the message names it)
         */
        fun read(file: Path): LoadReport {
            val properties = Properties()
            Files.newBufferedReader(file).use { properties.load(it) }
            fun text(key: String): String = properties.getProperty(key) ?: throw IllegalArgumentException("$file has no '$key'")
            fun number(key: String): Long = text(key).toLongOrNull() ?: throw IllegalArgumentException("$file: '$key' is not a number: ${text(key)}")
            val latency = Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(text("latency"))), 0)
            val errors = EnumMap<ErrorKind, Long>(ErrorKind::class.java)
            val firstErrors = EnumMap<ErrorKind, String>(ErrorKind::class.java)
            for (kind in ErrorKind.entries) {
                errors[kind] = number("errors.${kind.name}")
                properties.getProperty("firstError.${kind.name}")?.let { firstErrors[kind] = it }
            }
            val sources = properties.stringPropertyNames().filter { it.startsWith("source.") }.sorted()
                .associate { it.removePrefix("source.") to number(it) }
            val library = TransferCounters(
                number("library.zeroCopiedBytes"), number("library.copiedBytes"),
                FallbackCode.entries.associateWith { number("library.fallback.${it.name}") },
                number("library.started"), number("library.completed"), number("library.failed"), number("library.waits"),
                number("library.timeouts"), number("library.cancellations"),
            )
            return LoadReport(
                LoadMode.valueOf(text("mode")), text("target"), number("connections").toInt(), number("connects"),
                text("seconds").toDouble(), number("requests"), number("bytes"), latency as Histogram, errors, firstErrors,
                1, sources, library,
            )
        }

        /**
         * Adds the parts of one run spread over processes: counts and counters summed, the
         * histograms merged, the slowest part's seconds.
         */
        fun merge(parts: List<LoadReport>): LoadReport {
            require(parts.isNotEmpty()) { "no parts to merge" }
            val latency = Histogram(3)
            parts.forEach { latency.add(it.latency) }
            val errors = EnumMap<ErrorKind, Long>(ErrorKind::class.java)
            val firstErrors = EnumMap<ErrorKind, String>(ErrorKind::class.java)
            for (kind in ErrorKind.entries) {
                errors[kind] = parts.sumOf { it.errorsByKind[kind] ?: 0 }
                parts.firstNotNullOfOrNull { it.firstErrors[kind] }?.let { firstErrors[kind] = it }
            }
            val sources = sortedMapOf<String, Long>()
            parts.forEach { part -> part.connectsBySource.forEach { (source, count) -> sources.merge(source, count, Long::plus) } }
            val library = parts.map { it.library }.reduce(TransferCounters::plus)
            return LoadReport(
                parts.first().mode, parts.first().target, parts.sumOf { it.connections }, parts.sumOf { it.connects },
                parts.maxOf { it.seconds }, parts.sumOf { it.requests }, parts.sumOf { it.bytes }, latency, errors, firstErrors,
                parts.size, sources, library,
            )
        }
    }
}
