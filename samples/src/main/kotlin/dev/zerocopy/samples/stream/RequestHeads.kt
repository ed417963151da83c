package dev.zerocopy.samples.stream

import io.ktor.http.cio.Request
import io.ktor.http.cio.parseRequest
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.charsets.TooLongLineException
import io.ktor.utils.io.readLineStrictTo
import java.io.EOFException
import kotlin.coroutines.cancellation.CancellationException

/** The most bytes a request head (request line, headers, line ends) may take: 16 KiB. */
internal const val MAX_HEAD_BYTES = 16 * 1024

/** The most bytes one line of a request head may take; Ktor's parser has the same limit. */
internal const val MAX_LINE_BYTES = 8 * 1024

/**
 * Reads one request head from [input] and parses it with ktor-http-cio's `parseRequest`.
 *
 * Ktor's parser limits each line but not the number of lines, so the head is first read
 * here line by line (with Ktor's strict line reader) under a 16 KiB budget, and only then
 * handed to the parser. Empty lines before the request line are skipped, as RFC 9112 asks.
 *
 * Cancellable while suspended (the connection is then unusable).
 *
 * @return the parsed request, which the caller must `release()`; or null if the stream
 *   ended cleanly before a request started
 * @throws HttpError 414 for a request line over 8 KiB, 431 for a longer header line or a
 *   head over 16 KiB, 400 if the stream ends inside the head, a line holds a control
 *   character (NUL, a bare CR, ESC: RFC 9110 allows only tab among them in a field value;
 *   Ktor's parser lets them through) or the parser rejects it
 */
internal suspend fun readRequest(input: ByteReadChannel): Request? {
    val head = StringBuilder(512)
    var total = 0
    var sawRequestLine = false
    while (true) {
        val limit = minOf(MAX_LINE_BYTES, MAX_HEAD_BYTES - total)
        val lineStart = head.length
        val length = try {
            input.readLineStrictTo(head, limit.toLong())
        } catch (tooLong: TooLongLineException) {
            throw if (sawRequestLine) {
                HttpError(Status.HEADERS_TOO_LARGE, "request head passes $MAX_HEAD_BYTES bytes, or a header line passes $MAX_LINE_BYTES")
            } else {
                HttpError(Status.URI_TOO_LONG, "request line passes $limit bytes")
            }
        } catch (ended: EOFException) {
            throw HttpError(Status.BAD_REQUEST, "connection ended inside the request head after $total bytes")
        }
        if (length < 0) {
            if (total == 0) return null
            throw HttpError(Status.BAD_REQUEST, "connection ended inside the request head after $total bytes")
        }
        total += length.toInt() + 2
        if (total > MAX_HEAD_BYTES) throw HttpError(Status.HEADERS_TOO_LARGE, "request head passes $MAX_HEAD_BYTES bytes")
        if (length == 0L) {
            if (sawRequestLine) break else continue
        }
        controlCharacter(head, lineStart)?.let { at ->
            val what = if (sawRequestLine) "a header line" else "the request line"
            throw HttpError(Status.BAD_REQUEST, "$what has control character 0x%02x at byte %d".format(head[at].code, at - lineStart))
        }
        sawRequestLine = true
        head.append("\r\n")
    }
    head.append("\r\n")
    return try {
        parseRequest(ByteReadChannel(head.toString(), Charsets.UTF_8))
            ?: throw HttpError(Status.BAD_REQUEST, "request head is incomplete")
    } catch (cancelled: CancellationException) {
        throw cancelled
    } catch (error: HttpError) {
        throw error
    } catch (rejected: Exception) {
        // ParserException, and the IllegalStateException or NumberFormatException the parser
        // throws on some bad lines. Only its message tells a version it does not know.
        val reason = rejected.message?.lineSequence()?.first().orEmpty()
        val status = if (reason.startsWith("Unsupported HTTP version")) Status.VERSION_NOT_SUPPORTED else Status.BAD_REQUEST
        throw HttpError(status, "malformed request head: $reason")
    }
}

/** Returns the index of the first control character other than tab in [line] from [from], or null. */
private fun controlCharacter(line: CharSequence, from: Int): Int? {
    for (i in from until line.length) {
        val c = line[i]
        if ((c < ' ' && c != '\t') || c == '\u007f') return i
    }
    return null
}
