package dev.zerocopy.samples.stream

/** A non-empty run of bytes from [first] to [last], both included, as HTTP writes ranges. */
internal data class ByteRange(val first: Long, val last: Long) {
    init {
        require(first in 0..last) { "bad range $first-$last" }
    }

    /** The number of bytes in the range. */
    val count: Long get() = last - first + 1

    /** The `Content-Range` value for this range of a representation of [size] bytes. */
    fun contentRange(size: Long): String = "bytes $first-$last/$size"

    override fun toString(): String = "$first-$last"
}

private val SPEC = Regex("""(\d*)-(\d*)""")

/**
 * Resolves a `Range` header against a representation of [size] bytes (RFC 9110, section 14):
 * returns null to send the whole representation (no header, or a unit other than `bytes`,
 * which a server must ignore), or the one range to send.
 *
 * @throws HttpError 400 if the header is malformed (`bytes=abc`, `bytes=9-2`); 416 with
 *   `Content-Range: bytes * /size` if it asks for more than one range (this server sends no
 *   `multipart/byteranges`) or if its range starts at or after the end
 */
internal fun resolveRange(header: String?, size: Long): ByteRange? {
    if (header == null) return null
    val equals = header.indexOf('=')
    if (equals < 0) throw HttpError(Status.BAD_REQUEST, "Range '$header' has no '='; expected bytes=first-last")
    if (!header.substring(0, equals).trim().equals("bytes", ignoreCase = true)) return null
    val specs = header.substring(equals + 1).split(',').map { it.trim() }.filter { it.isNotEmpty() }
    if (specs.isEmpty()) throw HttpError(Status.BAD_REQUEST, "Range '$header' names no range")
    val parsed = specs.map { spec ->
        val match = SPEC.matchEntire(spec)
        if (match == null || (match.groupValues[1].isEmpty() && match.groupValues[2].isEmpty())) {
            throw HttpError(Status.BAD_REQUEST, "Range '$header': '$spec' is not first-last, first- or -suffix")
        }
        val first = match.groupValues[1].takeIf { it.isNotEmpty() }?.let(::saturatingLong)
        val last = match.groupValues[2].takeIf { it.isNotEmpty() }?.let(::saturatingLong)
        if (first != null && last != null && first > last) {
            throw HttpError(Status.BAD_REQUEST, "Range '$header': $first-$last ends before it starts")
        }
        first to last
    }
    if (parsed.size > 1) throw unsatisfiable(size, "Range '$header' asks for ${parsed.size} ranges; one range per request")
    val (first, last) = parsed.single()
    return when {
        first == null -> {
            // A suffix: the last `last` bytes; more than the size means the whole of it.
            if (last == 0L || size == 0L) throw unsatisfiable(size, "Range '$header' selects no bytes of $size")
            ByteRange(maxOf(0, size - last!!), size - 1)
        }
        first >= size -> throw unsatisfiable(size, "Range '$header' starts at $first, at or after the end ($size bytes)")
        else -> ByteRange(first, minOf(last ?: (size - 1), size - 1))
    }
}

private fun unsatisfiable(size: Long, message: String) =
    HttpError(Status.RANGE_NOT_SATISFIABLE, message, listOf("Content-Range" to "bytes */$size"))

/** Digits too long for a Long are still a valid position, just past any end. */
private fun saturatingLong(digits: String): Long = digits.toLongOrNull() ?: Long.MAX_VALUE

/** What a live `PUT` carries: [range] of a stream of [total] bytes. */
internal data class PutRange(val range: ByteRange, val total: Long)

private val CONTENT_RANGE = Regex("""bytes\s+(\d+)-(\d+)/(\d+)""", RegexOption.IGNORE_CASE)

/**
 * Reads a request's `Content-Range: bytes first-last/total` for a live `PUT` of
 * [contentLength] body bytes; without the header the body is a whole stream of that length.
 *
 * @throws HttpError 400 if the header is malformed, ends at or past `total`, or does not
 *   match `Content-Length`
 */
internal fun resolvePutRange(header: String?, contentLength: Long): PutRange? {
    if (header == null) {
        return if (contentLength == 0L) null else PutRange(ByteRange(0, contentLength - 1), contentLength)
    }
    val match = CONTENT_RANGE.matchEntire(header.trim())
        ?: throw HttpError(Status.BAD_REQUEST, "Content-Range '$header' is not 'bytes first-last/total'")
    val (first, last, total) = match.groupValues.drop(1).map(::saturatingLong)
    if (first > last) throw HttpError(Status.BAD_REQUEST, "Content-Range '$header' ends before it starts")
    if (last >= total) {
        throw HttpError(Status.BAD_REQUEST, "Content-Range '$header' reaches byte $last, outside the declared total of $total bytes")
    }
    val range = ByteRange(first, last)
    if (range.count != contentLength) {
        throw HttpError(Status.BAD_REQUEST, "Content-Range '$header' covers ${range.count} bytes but Content-Length is $contentLength")
    }
    return PutRange(range, total)
}
