package dev.zerocopy.samples.stream

import dev.zerocopy.FileMode
import picocli.CommandLine.ITypeConverter
import picocli.CommandLine.TypeConversionException
import java.time.Duration
import java.util.Locale

/**
 * Reads a byte count written as a number with an optional unit: `B`, `K`/`KiB`, `M`/`MiB`,
 * `G`/`GiB` (powers of 1024) or `KB`, `MB`, `GB` (powers of 1000), any case: `1MiB`, `64k`, `4096`.
 */
public class ByteSizeConverter : ITypeConverter<Long> {
    override fun convert(value: String): Long = parseByteSize(value)
}

/** Reads a duration such as `30s`, `500ms`, `2m`, `1h`, an ISO-8601 `PT30S`, or a bare number of seconds. */
public class DurationConverter : ITypeConverter<Duration> {
    override fun convert(value: String): Duration = parseDuration(value)
}

/**
 * Reads an enum constant ignoring case and treating `-` as `_` (`zero-copy` is `ZERO_COPY`):
 * the root command line is shared, so each option brings its own leniency.
 */
public abstract class LenientEnumConverter<E : Enum<E>>(private val type: Class<E>) : ITypeConverter<E> {
    override fun convert(value: String): E {
        val wanted = value.trim().replace('-', '_')
        return type.enumConstants.firstOrNull { it.name.equals(wanted, ignoreCase = true) }
            ?: throw TypeConversionException(
                "'$value' is not one of ${type.enumConstants.joinToString(", ") { it.name.lowercase(Locale.ROOT).replace('_', '-') }}"
            )
    }
}

/** Reads a [FileMode]: `auto`, `zero-copy` or `copy`, any case. */
public class FileModeConverter : LenientEnumConverter<FileMode>(FileMode::class.java)

private val SIZE = Regex("""(\d+)\s*([a-zA-Z]*)""")
private val DURATION = Regex("""(\d+(?:\.\d+)?)\s*([a-zA-Z]*)""")

internal fun parseByteSize(text: String): Long {
    val match = SIZE.matchEntire(text.trim()) ?: throw TypeConversionException("'$text' is not a byte size such as 1MiB, 64KiB or 4096")
    val multiplier = when (match.groupValues[2].lowercase(Locale.ROOT)) {
        "", "b" -> 1L
        "k", "kib" -> 1L shl 10
        "m", "mib" -> 1L shl 20
        "g", "gib" -> 1L shl 30
        "kb" -> 1_000L
        "mb" -> 1_000_000L
        "gb" -> 1_000_000_000L
        else -> throw TypeConversionException("'$text' has an unknown unit; use B, KiB, MiB, GiB, KB, MB or GB")
    }
    val number = match.groupValues[1].toLongOrNull()
        ?: throw TypeConversionException("'$text' is too large")
    if (number > Long.MAX_VALUE / multiplier) throw TypeConversionException("'$text' is too large")
    return number * multiplier
}

/** The longest duration an option takes: what fits in a Long of nanoseconds, about 292 years. */
private val MAX_DURATION: Duration = Duration.ofNanos(Long.MAX_VALUE)

internal fun parseDuration(text: String): Duration {
    val trimmed = text.trim()
    val duration = if (trimmed.startsWith("P", ignoreCase = true)) {
        runCatching { Duration.parse(trimmed) }.getOrElse {
            throw TypeConversionException("'$text' is not an ISO-8601 duration, or passes ${MAX_DURATION.toHours()} hours")
        }
    } else {
        val match = DURATION.matchEntire(trimmed) ?: throw TypeConversionException("'$text' is not a duration such as 30s, 500ms or 2m")
        val amount = match.groupValues[1].toBigDecimal()
        val nanosPerUnit = when (match.groupValues[2].lowercase(Locale.ROOT)) {
            "ms" -> 1_000_000L
            "", "s" -> 1_000_000_000L
            "m", "min" -> 60_000_000_000L
            "h" -> 3_600_000_000_000L
            else -> throw TypeConversionException("'$text' has an unknown unit; use ms, s, m or h")
        }
        val nanos = amount.multiply(nanosPerUnit.toBigDecimal())
        // toLong() would keep the low 64 bits of an overflow: 10^11 h became a negative duration.
        if (nanos > Long.MAX_VALUE.toBigDecimal()) throw tooLong(text)
        Duration.ofNanos(nanos.toLong())
    }
    if (duration.isNegative) throw TypeConversionException("'$text' is negative")
    if (duration > MAX_DURATION) throw tooLong(text)
    return duration
}

private fun tooLong(text: String) =
    TypeConversionException("'$text' is too long: a duration is at most ${MAX_DURATION.toHours()} hours (2^63-1 nanoseconds)")

/** Formats [bytes] for people: `512 B`, `64.0 KiB`, `1.50 GiB`. */
internal fun formatBytes(bytes: Long): String = when {
    bytes < 1024 -> "$bytes B"
    bytes < 1L shl 20 -> String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0)
    bytes < 1L shl 30 -> String.format(Locale.ROOT, "%.1f MiB", bytes / (1L shl 20).toDouble())
    else -> String.format(Locale.ROOT, "%.2f GiB", bytes / (1L shl 30).toDouble())
}
