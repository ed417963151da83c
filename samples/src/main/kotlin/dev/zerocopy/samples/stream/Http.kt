package dev.zerocopy.samples.stream

import dev.zerocopy.ByteView
import java.time.ZoneOffset
import java.time.ZonedDateTime
import java.time.format.DateTimeFormatter
import java.util.Locale

/** The response statuses the stream server sends, with their reason phrases. */
internal enum class Status(val code: Int, val reason: String) {
    CONTINUE(100, "Continue"),
    OK(200, "OK"),
    CREATED(201, "Created"),
    NO_CONTENT(204, "No Content"),
    PARTIAL_CONTENT(206, "Partial Content"),
    BAD_REQUEST(400, "Bad Request"),
    NOT_FOUND(404, "Not Found"),
    METHOD_NOT_ALLOWED(405, "Method Not Allowed"),
    CONFLICT(409, "Conflict"),
    LENGTH_REQUIRED(411, "Length Required"),
    CONTENT_TOO_LARGE(413, "Content Too Large"),
    URI_TOO_LONG(414, "URI Too Long"),
    RANGE_NOT_SATISFIABLE(416, "Range Not Satisfiable"),
    EXPECTATION_FAILED(417, "Expectation Failed"),
    HEADERS_TOO_LARGE(431, "Request Header Fields Too Large"),
    INTERNAL_ERROR(500, "Internal Server Error"),
    NOT_IMPLEMENTED(501, "Not Implemented"),
    SERVICE_UNAVAILABLE(503, "Service Unavailable"),
    VERSION_NOT_SUPPORTED(505, "HTTP Version Not Supported");

    /**
     * Whether the connection can carry another request after this error: the request's
     * framing is intact (no unread body, a well-formed head). Errors about the head or
     * the body itself end the connection, since the next request's start is unknown.
     */
    val keepsConnection: Boolean
        get() = code < 400 || this == NOT_FOUND || this == METHOD_NOT_ALLOWED || this == CONFLICT ||
            this == RANGE_NOT_SATISFIABLE
}

/**
 * A request the server refuses: [status] goes to the client with [message] as a plain-text
 * body, and [headers] (such as `Content-Range: bytes * /size` on a 416) in the head.
 */
internal class HttpError(
    val status: Status,
    message: String,
    val headers: List<Pair<String, String>> = emptyList(),
) : Exception(message)

// HTTP-date needs a two-digit day; the JDK's RFC_1123_DATE_TIME writes "3 Jun".
internal val HTTP_DATE: DateTimeFormatter = DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)

/**
 * Builds a response head: status line, `Date`, `Server`, [headers], `Connection`, blank line,
 * as a heap view ready for the adapter's `sendFrom`.
 */
internal fun responseHead(status: Status, headers: List<Pair<String, String>>, keepAlive: Boolean): ByteView {
    val text = StringBuilder(256)
    text.append("HTTP/1.1 ").append(status.code).append(' ').append(status.reason).append("\r\n")
    text.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n")
    text.append("Server: zerocopy-samples\r\n")
    for ((name, value) in headers) text.append(name).append(": ").append(value).append("\r\n")
    text.append("Connection: ").append(if (keepAlive) "keep-alive" else "close").append("\r\n\r\n")
    return ByteView.wrap(text.toString().toByteArray(Charsets.ISO_8859_1))
}

/** The interim `100 Continue` a client that sent `Expect: 100-continue` waits for before its body. */
internal val CONTINUE_HEAD: ByteView = ByteView.wrap("HTTP/1.1 100 Continue\r\n\r\n".toByteArray(Charsets.ISO_8859_1)).readOnly()

/** Media types by file extension, for `Content-Type`; anything else is `application/octet-stream`. */
internal object MediaTypes {
    private val byExtension = mapOf(
        "mp4" to "video/mp4", "m4v" to "video/mp4", "webm" to "video/webm", "mkv" to "video/x-matroska",
        "mov" to "video/quicktime", "ts" to "video/mp2t", "m3u8" to "application/vnd.apple.mpegurl",
        "mpd" to "application/dash+xml", "mp3" to "audio/mpeg", "m4a" to "audio/mp4", "aac" to "audio/aac",
        "ogg" to "audio/ogg", "oga" to "audio/ogg", "opus" to "audio/ogg", "wav" to "audio/wav", "flac" to "audio/flac",
        "jpg" to "image/jpeg", "jpeg" to "image/jpeg", "png" to "image/png", "gif" to "image/gif", "webp" to "image/webp",
        "html" to "text/html; charset=utf-8", "txt" to "text/plain; charset=utf-8", "css" to "text/css; charset=utf-8",
        "js" to "text/javascript; charset=utf-8", "json" to "application/json", "vtt" to "text/vtt; charset=utf-8",
        "bin" to "application/octet-stream",
    )

    /** Returns the media type for [name] by its extension. */
    fun of(name: String): String =
        byExtension[name.substringAfterLast('.', "").lowercase(Locale.ROOT)] ?: "application/octet-stream"
}
