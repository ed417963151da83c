package dev.zerocopy.samples.stream

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.Progress
import dev.zerocopy.TransferException
import dev.zerocopy.TransferReport
import dev.zerocopy.TransferTimeoutException
import dev.zerocopy.ktor.TransferCancellationException
import dev.zerocopy.ktor.recvInto
import dev.zerocopy.ktor.sendFile
import dev.zerocopy.ktor.sendFrom
import io.ktor.http.cio.Request
import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.Socket
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.discard
import io.ktor.utils.io.discardExact
import kotlinx.coroutines.withTimeoutOrNull
import org.slf4j.LoggerFactory
import java.io.IOException
import java.nio.channels.FileChannel
import java.nio.channels.SocketChannel
import java.nio.file.Files
import java.nio.file.StandardOpenOption
import java.time.Instant
import java.util.Locale
import java.util.concurrent.atomic.AtomicBoolean
import java.util.concurrent.atomic.AtomicLong
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/** The largest body a GET, HEAD or DELETE may carry; it is read and dropped. */
private const val MAX_IGNORED_BODY = 64 * 1024L

/** The least time between two updates of a body's byte count while it goes out. */
private val PROGRESS_INTERVAL: java.time.Duration = java.time.Duration.ofMillis(100)

/** The most bytes read and dropped before closing a connection after an error. */
private const val LINGER_BYTES = 4L shl 20

/** One request and what became of it, for the response and the access log. */
private class Exchange(val request: Request, val peer: String) {
    val method: String = request.method.value
    val target: String = request.uri.toString()
    val isHead: Boolean get() = method == "HEAD"

    /** Whether the client wants the connection kept open after this response. */
    var keepAlive = false

    /** Whether request body bytes are still unread on the connection. */
    var bodyPending = false

    /** The range asked for, as sent: `Range` of a GET or HEAD, `Content-Range` of a PUT. */
    val range: String = (request.headers["Range"] ?: request.headers["Content-Range"])?.toString() ?: "-"
    var status = 0
    var bytes = 0L
    var mode = "-"

    /** Why a file body ran the copy loop: a [dev.zerocopy.FallbackCode]'s name, or `-`. */
    var reason = "-"
    var note: String? = null

    fun header(name: String): String? = request.headers[name]?.toString()
}

/**
 * Answers requests: routing, ranges, files, the cache and live streams. Holds the server's
 * counters; one instance serves every connection.
 */
internal class Exchanges(
    private val config: StreamConfig,
    private val root: ContentRoot,
    private val cache: FileCache,
    private val live: LiveStreams,
) {
    val requests = AtomicLong()
    val bodyBytesSent = AtomicLong()

    /** Set when the server is stopping: responses then say `Connection: close`. */
    val draining = AtomicBoolean()
    private val stall = config.stallTimeout.toKotlinDuration()

    /** Ends a response write that moves no byte for the stall timeout, however long it takes in all. */
    private val stalling = Progress.ofIdleTimeout(config.stallTimeout)

    /**
     * Reads and answers the next request on a connection; [onRequest] runs once its head
     * has arrived, before it is answered (the server then counts the connection as busy).
     *
     * @return whether the connection can carry another request
     */
    suspend fun next(socket: Socket, input: ByteReadChannel, peer: String, idle: Duration, onRequest: () -> Unit = {}): Boolean {
        val request = try {
            withTimeoutOrNull(idle) { readRequest(input) }?.also { onRequest() } ?: return false
        } catch (rejected: HttpError) {
            // The head itself was bad: answer, and close, since the next request's start is unknown.
            val started = System.nanoTime()
            requests.incrementAndGet()
            sendError(socket, rejected, keepAlive = false, withBody = true)
            linger(socket, input)
            accessLog(peer, "-", "-", "-", rejected.status.code, 0, "-", "-", started, rejected.message)
            return false
        }
        return try {
            exchange(socket, input, Exchange(request, peer))
        } finally {
            request.release()
        }
    }

    /** Answers 503 to a connection over the limit, without reading its request, and logs it. */
    suspend fun refuse(socket: Socket, peer: String) {
        val started = System.nanoTime()
        val error = HttpError(Status.SERVICE_UNAVAILABLE, "the server is at its limit of ${config.maxConnections} connections")
        sendError(socket, error, keepAlive = false, withBody = true)
        accessLog(peer, "-", "-", "-", error.status.code, 0, "-", "-", started, error.message)
    }

    private suspend fun exchange(socket: Socket, input: ByteReadChannel, x: Exchange): Boolean {
        val started = System.nanoTime()
        requests.incrementAndGet()
        try {
            respond(socket, input, x)
            return x.keepAlive && !x.bodyPending
        } catch (error: HttpError) {
            x.status = error.status.code
            x.note = error.message
            val keepAlive = x.keepAlive && !x.bodyPending && error.status.keepsConnection
            sendError(socket, error, keepAlive, withBody = !x.isHead)
            if (!keepAlive && x.bodyPending) linger(socket, input)
            return keepAlive
        } catch (cancelled: CancellationException) {
            x.note = "cancelled (server stopping)"
            throw cancelled
        } catch (failed: IOException) {
            // The client went away or stalled: nothing more can be said to it. 499 is only
            // for the log (nginx's "client closed request"); it is never sent.
            if (x.status == 0) x.status = 499
            x.note = failed.message
            return false
        } catch (bug: RuntimeException) {
            log.warn("{} {} failed", x.method, x.target, bug)
            x.note = bug.toString()
            if (x.status == 0) {
                x.status = Status.INTERNAL_ERROR.code
                sendError(socket, HttpError(Status.INTERNAL_ERROR, "the server failed; see its log"), keepAlive = false, withBody = !x.isHead)
            }
            return false
        } finally {
            accessLog(x.peer, x.method, x.target, x.range, x.status, x.bytes, x.mode, x.reason, started, x.note)
        }
    }

    private suspend fun respond(socket: Socket, input: ByteReadChannel, x: Exchange) {
        val version = x.request.version.toString()
        if (version != "HTTP/1.1" && version != "HTTP/1.0") {
            throw HttpError(Status.VERSION_NOT_SUPPORTED, "$version is not supported; use HTTP/1.1")
        }
        val connection = x.header("Connection")?.lowercase(Locale.ROOT)?.split(',')?.map { it.trim() }.orEmpty()
        x.keepAlive = "close" !in connection && (version == "HTTP/1.1" || "keep-alive" in connection) && !draining.get()
        if (x.header("Transfer-Encoding") != null) {
            x.bodyPending = true
            throw HttpError(Status.LENGTH_REQUIRED, "chunked request bodies are not supported; send Content-Length")
        }
        val contentLength = contentLength(x)
        x.bodyPending = (contentLength ?: 0) > 0
        val hosts = x.request.headers.getAll("Host").count()
        if (version == "HTTP/1.1" && hosts == 0) throw HttpError(Status.BAD_REQUEST, "an HTTP/1.1 request needs a Host header")
        // RFC 9112, section 3.2: more than one Host is a 400; proxies could disagree on which one counts.
        if (hosts > 1) throw HttpError(Status.BAD_REQUEST, "a request may have one Host header, not $hosts")
        val segments = pathSegments(x.request.uri)
        if (segments.firstOrNull() == "live") return live(socket, input, x, segments, contentLength)
        if (x.method != "GET" && x.method != "HEAD") {
            throw HttpError(Status.METHOD_NOT_ALLOWED, "${x.method} is not allowed on files", listOf("Allow" to "GET, HEAD"))
        }
        discardBody(input, x, contentLength)
        val file = root.resolve(segments) ?: throw HttpError(Status.NOT_FOUND, "no file at ${x.target}")
        val type = MediaTypes.of(file.fileName.toString())
        val cached = cache[file]
        if (cached != null) return sendMemory(socket, x, cached.view, type, "CACHE", cached.validator)
        val channel = try {
            FileChannel.open(file, StandardOpenOption.READ)
        } catch (unreadable: IOException) {
            throw HttpError(Status.NOT_FOUND, "no readable file at ${x.target}")
        }
        channel.use { sendFileRange(socket, x, it, type, Validator(it.size(), Files.getLastModifiedTime(file))) }
    }

    /** Returns the request's Content-Length, or null without one. */
    private fun contentLength(x: Exchange): Long? {
        val values = x.request.headers.getAll("Content-Length").map { it.toString().trim() }.distinct().toList()
        if (values.isEmpty()) return null
        val length = values.singleOrNull()?.takeIf { it.isNotEmpty() && it.all { c -> c in '0'..'9' } }?.toLongOrNull()
        if (length == null) {
            x.bodyPending = true
            throw HttpError(Status.BAD_REQUEST, "Content-Length '${values.joinToString(", ")}' is not one number")
        }
        return length
    }

    private suspend fun discardBody(input: ByteReadChannel, x: Exchange, contentLength: Long?) {
        if (contentLength == null || contentLength == 0L) return
        if (contentLength > MAX_IGNORED_BODY) {
            throw HttpError(Status.CONTENT_TOO_LARGE, "a ${x.method} body of $contentLength bytes passes the $MAX_IGNORED_BODY-byte limit")
        }
        withTimeoutOrNull(stall) { input.discardExact(contentLength); true }
            ?: throw IOException("request body stalled: $contentLength bytes did not arrive in $stall")
        x.bodyPending = false
    }

    /**
     * Chooses the range and status of a response with content of [size] bytes, and builds its
     * head. Returns the head and the range of the body to send (null: no body, for HEAD or
     * empty content).
     *
     * `If-Range` is honoured (RFC 9110, section 13.1.5): unless it matches [validator], the
     * `Range` is ignored and the whole content goes out with 200, so that a client resuming
     * a download of a file that changed does not splice two versions. Content without a
     * validator (a live stream, which grows) never matches.
     */
    private fun plan(x: Exchange, size: Long, type: String, validator: Validator?): Pair<ByteView, ByteRange?> {
        val ifRange = x.header("If-Range")
        val rangeHeader = x.header("Range")?.takeIf { ifRange == null || validator?.matchesIfRange(ifRange, Instant.now()) == true }
        val range = resolveRange(rangeHeader, size)
        val status = if (range == null) Status.OK else Status.PARTIAL_CONTENT
        val body = range ?: if (size > 0) ByteRange(0, size - 1) else null
        val headers = buildList {
            add("Content-Type" to type)
            add("Content-Length" to (body?.count ?: 0).toString())
            add("Accept-Ranges" to "bytes")
            if (range != null) add("Content-Range" to range.contentRange(size))
            if (validator != null) addAll(validator.headers)
        }
        x.status = status.code
        return responseHead(status, headers, x.keepAlive) to body.takeUnless { x.isHead }
    }

    /** Sends a range of a file: the head, then the body with one call of the adapter's `sendFile`. */
    private suspend fun sendFileRange(socket: Socket, x: Exchange, file: FileChannel, type: String, validator: Validator) {
        val (head, body) = plan(x, validator.size, type, validator)
        send(socket, listOf(head))
        if (body == null) return
        sendBody(x, headBytes = 0) { progress ->
            val transfer = try {
                socket.sendFile(file, body.first, body.count, config.fileOptions.withProgress(progress))
            } catch (shrunk: IllegalArgumentException) {
                throw IOException("the file changed while it was sent: ${shrunk.message}")
            }
            transfer.report()
        }
    }

    /**
     * Sends a range of content held in memory (the cache, a live stream) as a slice of it,
     * the head and the body in one gathering `sendFrom`.
     */
    private suspend fun sendMemory(socket: Socket, x: Exchange, content: ByteView, type: String, mode: String, validator: Validator?) {
        val (head, body) = plan(x, content.size(), type, validator)
        if (body == null) return send(socket, listOf(head))
        x.mode = mode
        sendBody(x, headBytes = head.size()) { progress ->
            val sent = socket.sendFrom(listOf(head, content.slice(body.first, body.first + body.count)), null, progress)
            TransferReport.of(sent, sent)
        }
    }

    /**
     * Sends a body with one call of the adapter, [send], and records in [x] what went out.
     *
     * [send] passes on the [Progress] it is given, which ends the call only when the client
     * takes no byte for the stall timeout, however long the whole body takes: a slow but
     * moving reader is served at its pace. The same progress keeps [Exchange.bytes] and the
     * server's count current while the body goes out, at most every [PROGRESS_INTERVAL]. At
     * the end the count is exact, from the report [send] returns (a file's also gives the
     * mode and the fallback code) or from the report of the exception that ended it: the
     * client left, stopped reading, or the server stopped. [headBytes] are bytes of the
     * response head that the same call sends first, which the body count leaves out.
     */
    private suspend inline fun sendBody(x: Exchange, headBytes: Long, send: (Progress) -> TransferReport) {
        val progress = Progress.every(PROGRESS_INTERVAL, 1) { transferred, _ -> x.sent(transferred - headBytes) }
            .withIdleTimeout(config.stallTimeout)
        val report = try {
            send(progress)
        } catch (cancelled: TransferCancellationException) {
            record(x, cancelled.report, headBytes)
            throw cancelled
        } catch (stalled: TransferTimeoutException) {
            record(x, stalled.report(), headBytes)
            throw IOException("client stopped reading: ${x.bytes} of ${stalled.report().byteCount() - headBytes} body bytes sent, then none for $stall", stalled)
        } catch (gone: TransferException) {
            record(x, gone.report(), headBytes)
            throw IOException("${gone.message} (${x.bytes} body bytes sent)", gone)
        }
        record(x, report, headBytes)
    }

    /** Takes the exact body bytes, and for a file the mode and the fallback code, from [report]. */
    private fun record(x: Exchange, report: TransferReport, headBytes: Long) {
        x.sent(report.transferred() - headBytes)
        report.mode()?.let { x.mode = it.name }
        report.fallbackCode()?.let { x.reason = it.name }
    }

    /** Sets the body bytes sent to [bytes] (never below 0), adding the difference to the server's count. */
    private fun Exchange.sent(bytes: Long) {
        val now = bytes.coerceAtLeast(0)
        bodyBytesSent.addAndGet(now - this.bytes)
        this.bytes = now
    }

    private suspend fun live(socket: Socket, input: ByteReadChannel, x: Exchange, segments: List<String>, contentLength: Long?) {
        val name = segments.getOrNull(1)
        if (segments.size != 2 || name == null || !LiveStreams.isValidName(name)) {
            throw HttpError(
                if (x.method == "PUT") Status.BAD_REQUEST else Status.NOT_FOUND,
                "live streams are /live/NAME, NAME of at most 128 letters, digits, '.', '_' and '-'",
            )
        }
        when (x.method) {
            "GET", "HEAD" -> {
                discardBody(input, x, contentLength)
                val stream = live.get(name) ?: throw HttpError(Status.NOT_FOUND, "no live stream '$name'")
                try {
                    // Only the prefix that arrived is visible, and it is never written again.
                    sendMemory(socket, x, stream.view.slice(0, stream.available()).readOnly(), MediaTypes.of(name), "LIVE", null)
                } finally {
                    live.release(stream)
                }
            }
            "PUT" -> ingest(socket, input, x, name, contentLength)
            "DELETE" -> {
                discardBody(input, x, contentLength)
                if (!live.delete(name)) throw HttpError(Status.NOT_FOUND, "no live stream '$name'")
                x.status = Status.NO_CONTENT.code
                send(socket, listOf(responseHead(Status.NO_CONTENT, emptyList(), x.keepAlive)))
            }
            else -> throw HttpError(
                Status.METHOD_NOT_ALLOWED, "${x.method} is not allowed on live streams", listOf("Allow" to "GET, HEAD, PUT, DELETE"),
            )
        }
    }

    /**
     * Receives a live chunk straight into its place in the stream's preallocated view. The
     * range is reserved first, so nothing else writes there, and becomes visible to readers
     * only once complete; a failed upload releases it and leaves nothing visible.
     */
    private suspend fun ingest(socket: Socket, input: ByteReadChannel, x: Exchange, name: String, contentLength: Long?) {
        val length = contentLength ?: throw HttpError(Status.LENGTH_REQUIRED, "a live PUT needs Content-Length")
        val put = resolvePutRange(x.header("Content-Range"), length)
        val stream = live.open(name, put?.total ?: 0)
        x.mode = "LIVE"
        try {
            if (put != null) {
                val from = put.range.first
                val to = put.range.last + 1
                stream.reserve(from, to)?.let { throw HttpError(Status.CONFLICT, "live stream '$name': $it") }
                var committed = false
                try {
                    expectContinue(socket, x)
                    receive(input, stream.view.slice(from, to), x)
                    x.bodyPending = false
                    stream.commit(from, to)
                    committed = true
                } finally {
                    if (!committed) stream.release(from, to)
                }
            }
        } finally {
            // A DELETE during the upload frees the stream's share of the live limit only now.
            live.release(stream)
        }
        x.status = Status.NO_CONTENT.code
        send(socket, listOf(responseHead(Status.NO_CONTENT, emptyList(), x.keepAlive)))
    }

    /** Answers `Expect: 100-continue` once the upload is accepted, so the client starts its body. */
    private suspend fun expectContinue(socket: Socket, x: Exchange) {
        val expect = x.header("Expect") ?: return
        if (!expect.trim().equals("100-continue", ignoreCase = true)) {
            throw HttpError(Status.EXPECTATION_FAILED, "Expect '$expect' is not supported")
        }
        if (x.request.version.toString() == "HTTP/1.1") send(socket, listOf(CONTINUE_HEAD))
    }

    /**
     * Fills [target] from the request channel with one receive, ended only if no byte arrives
     * for the stall timeout; [Exchange.bytes] follows it and is exact however it ends. The
     * body comes from the channel the parser read the head from, since it may already hold
     * the first body bytes; they land in the view's memory with no array between.
     */
    private suspend fun receive(input: ByteReadChannel, target: ByteView, x: Exchange) {
        val progress = Progress.every(PROGRESS_INTERVAL, 1) { received, _ -> x.bytes = received }
            .withIdleTimeout(config.stallTimeout)
        try {
            input.recvInto(target, null, progress)
        } catch (stalled: TransferTimeoutException) {
            x.bytes = stalled.report().transferred()
            throw IOException("upload stalled: ${x.bytes} of ${target.size()} body bytes arrived, then nothing for $stall", stalled)
        } catch (ended: EndOfStreamException) {
            x.bytes = ended.report().transferred()
            throw EndOfStreamException(ended.report(), "body bytes (client left mid-body)")
        } catch (cancelled: TransferCancellationException) {
            x.bytes = cancelled.report.transferred()
            throw cancelled
        }
        x.bytes = target.size()
    }

    /**
     * Ends the response stream, then reads and drops what the client may still be sending
     * (a refused body, the rest of a bad head), for at most [LINGER_BYTES] and one second,
     * before the connection closes: closing a socket with unread bytes makes the kernel send
     * a reset, which can destroy the error response before the client has read it.
     */
    private suspend fun linger(socket: Socket, input: ByteReadChannel) {
        try {
            // This server owns the write direction, so it may end it (a FIN the client sees at once).
            ((socket as? Selectable)?.channel as? SocketChannel)?.shutdownOutput()
        } catch (gone: IOException) {
            return
        }
        withTimeoutOrNull(1.seconds) { input.discard(LINGER_BYTES) }
    }

    /** Sends [views] with one gathering write, ended if it makes no progress for the stall timeout. */
    private suspend fun send(socket: Socket, views: List<ByteView>) {
        try {
            socket.sendFrom(views, null, stalling)
        } catch (stalled: TransferTimeoutException) {
            throw IOException("client stalled: a response write made no progress for $stall", stalled)
        }
    }

    /** Sends an error response with a one-line plain-text reason; a failure to send is dropped (the client left). */
    private suspend fun sendError(socket: Socket, error: HttpError, keepAlive: Boolean, withBody: Boolean) {
        val text = "${error.status.code} ${error.status.reason}: ${error.message}\n".toByteArray(Charsets.UTF_8)
        val headers = error.headers + listOf("Content-Type" to "text/plain; charset=utf-8", "Content-Length" to text.size.toString())
        val head = responseHead(error.status, headers, keepAlive)
        try {
            send(socket, if (withBody) listOf(head, ByteView.wrap(text)) else listOf(head))
        } catch (gone: IOException) {
            log.debug("could not send {}: {}", error.status.code, gone.toString())
        }
    }

    private fun accessLog(
        peer: String, method: String, target: String, range: String, status: Int, bytes: Long, mode: String,
        reason: String, started: Long, note: String?,
    ) {
        if (!config.accessLog || !access.isInfoEnabled) return
        val micros = (System.nanoTime() - started) / 1000
        access.info(accessLine(peer, method, target, range, status, bytes, mode, reason, micros, note))
    }

    companion object {
        private val log = LoggerFactory.getLogger(Exchanges::class.java)
        private val access = LoggerFactory.getLogger("dev.zerocopy.samples.stream.access")
    }
}
