package dev.zerocopy.samples.stream

import java.nio.file.attribute.FileTime
import java.time.Duration
import java.time.Instant
import java.time.ZoneOffset

/**
 * What tells one version of a file's content from another: its size and modification time,
 * sent as `ETag` and `Last-Modified` so that a client resuming a download with `If-Range`
 * gets the rest only if the file is still the one it started.
 *
 * The entity tag is strong: size and modification time (to the nanosecond where the file
 * system keeps it) change with any rewrite that a client could observe, the usual choice of
 * file servers (nginx does the same).
 */
internal class Validator(val size: Long, modified: FileTime) {
    private val modifiedAt: Instant = modified.toInstant()

    /** The strong entity tag: `"size-nanos"`, both in hex. */
    val etag: String = run {
        val nanos = modifiedAt.epochSecond * 1_000_000_000L + modifiedAt.nano
        "\"${size.toString(16)}-${nanos.toString(16)}\""
    }

    /** The `Last-Modified` value: the modification time in whole seconds, as an HTTP-date. */
    val lastModified: String = HTTP_DATE.format(modifiedAt.atZone(ZoneOffset.UTC))

    /** The response headers that carry this validator. */
    val headers: List<Pair<String, String>> get() = listOf("ETag" to etag, "Last-Modified" to lastModified)

    /**
     * Whether an `If-Range` value matches this version, as RFC 9110 (section 13.1.5) asks: an
     * entity tag by strong comparison (a weak tag never matches), a date only if it equals
     * `Last-Modified` exactly and that time is at least a second before [now] (a file changed
     * within the same second could otherwise carry the same date twice).
     */
    fun matchesIfRange(ifRange: String, now: Instant): Boolean {
        val value = ifRange.trim()
        if (value.startsWith("W/") || value.startsWith("\"")) return value == etag
        return value == lastModified && Duration.between(modifiedAt, now) >= Duration.ofSeconds(1)
    }
}
