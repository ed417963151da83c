package dev.zerocopy.samples.stream

/**
 * Makes client-supplied text safe for one access log line: `"` and `\` are escaped with a
 * backslash, and control characters (C0, DEL, C1) and the Unicode line separators become
 * `\xHH` or `\uHHHH`. A request can then neither end a quoted field early and append
 * fields of its own (`status=200`) nor start a new line that looks like another request.
 */
internal fun escapeForLog(text: String): String {
    val clean = text.none { it == '"' || it == '\\' || needsEscape(it) }
    if (clean) return text
    val escaped = StringBuilder(text.length + 16)
    for (c in text) {
        when {
            c == '"' || c == '\\' -> escaped.append('\\').append(c)
            needsEscape(c) && c.code <= 0xff -> escaped.append("\\x").append(HEX[c.code shr 4]).append(HEX[c.code and 0xf])
            needsEscape(c) -> escaped.append(String.format("\\u%04x", c.code))
            else -> escaped.append(c)
        }
    }
    return escaped.toString()
}

private const val HEX = "0123456789abcdef"

private fun needsEscape(c: Char): Boolean = Character.isISOControl(c) || c == '\u2028' || c == '\u2029'

/**
 * Formats one access log line: [bytes] are the body bytes that went out, [mode] how
 * (`ZERO_COPY`, `COPY`, `CACHE`, `LIVE`, `-`), [reason] why a file body ran the copy loop (a
 * `FallbackCode`, or `-`). Every field a client can influence (the target, the range,
 * the note, which quotes header values) goes through [escapeForLog].
 */
internal fun accessLine(
    peer: String, method: String, target: String, range: String, status: Int, bytes: Long, mode: String,
    reason: String, micros: Long, note: String?,
): String =
    "$peer ${escapeForLog(method)} ${escapeForLog(target)} range=\"${escapeForLog(range)}\" status=$status bytes=$bytes " +
        "mode=$mode reason=$reason us=$micros" + (note?.let { " note=\"${escapeForLog(it)}\"" } ?: "")
