package dev.zerocopy.samples.stream

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FileMode
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

/** The most bytes one receive step waits for. */
private const val RECEIVE_STEP = 1 shl 20

/** The largest body a GET, HEAD or DELETE may carry; it is read and dropped. */
private const val MAX_IGNORED_BODY = 64 * 1024L

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
            accessLog(peer, "-", "-", "-", rejected.status.code, 0, "-", started, rejected.message)
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
        accessLog(peer, "-", "-", "-", error.status.code, 0, "-", started, error.message)
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
            accessLog(x.peer, x.method, x.target, x.range, x.status, x.bytes, x.mode, started, x.note)
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

    /** Sends a range of a file: the head, then the body with the adapter's `sendFile` in paced steps. */
    private suspend fun sendFileRange(socket: Socket, x: Exchange, file: FileChannel, type: String, validator: Validator) {
        val (head, body) = plan(x, validator.size, type, validator)
        send(socket, listOf(head))
        if (body == null) return
        sendBody(x, body.count) { sent, count ->
            val transfer = try {
                socket.sendFile(file, body.first + sent, count, config.fileOptions)
            } catch (shrunk: IllegalArgumentException) {
                throw IOException("the file changed while it was sent: ${shrunk.message}")
            }
            x.mode = if (transfer.mode() == FileMode.ZERO_COPY) "ZERO_COPY" else "COPY"
        }
    }

    /**
     * Sends a range of content held in memory (the cache, a live stream) as slices of it:
     * the head and the first slice in one gathering write, then one slice per paced step.
     */
    private suspend fun sendMemory(socket: Socket, x: Exchange, content: ByteView, type: String, mode: String, validator: Validator?) {
        val (head, body) = plan(x, content.size(), type, validator)
        if (body == null) return send(socket, listOf(head))
        x.mode = mode
        var views = listOf(head)
        sendBody(x, body.count) { sent, count ->
            val from = body.first + sent
            socket.sendFrom(views + content.slice(from, from + count))
            views = emptyList()
        }
    }

    /**
     * Sends a body of [total] bytes in steps sized by a [SendPace], each through [step] (given
     * the bytes sent so far and the step's size), counting what went out as it goes.
     *
     * Only a step that makes no progress for the whole stall timeout ends the response: a
     * slow reader is served at its pace, since its steps shrink until each takes a fraction
     * of that timeout. A client that leaves mid-body is logged with the bytes of the steps
     * that completed.
     */
    private suspend inline fun sendBody(x: Exchange, total: Long, crossinline step: suspend (sent: Long, count: Long) -> Unit) {
        val pace = SendPace(stall)
        var sent = 0L
        while (sent < total) {
            val count = pace.nextStep(total - sent)
            val started = System.nanoTime()
            try {
                withTimeoutOrNull(stall) { step(sent, count) }
                    ?: throw IOException("client stopped reading: $sent of $total body bytes sent, then none of the next $count for $stall")
            } catch (gone: IOException) {
                if (sent == 0L || gone.message?.startsWith("client stopped reading") == true) throw gone
                throw IOException("${gone.message} (after $sent of $total body bytes, during a step of $count)", gone)
            }
            pace.completed(count, System.nanoTime() - started)
            sent += count
            x.bytes = sent
            bodyBytesSent.addAndGet(count)
        }
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
     * Fills [target] from the request channel in 1 MiB steps, each under the stall timeout.
     * The body comes from the channel the parser read the head from, since it may already
     * hold the first body bytes; each step lands in the view's memory with no array between.
     */
    private suspend fun receive(input: ByteReadChannel, target: ByteView, x: Exchange) {
        var from = 0L
        while (from < target.size()) {
            val to = minOf(from + RECEIVE_STEP, target.size())
            try {
                withTimeoutOrNull(stall) { input.recvInto(target.slice(from, to)) }
                    ?: throw IOException("upload stalled: $from of ${target.size()} body bytes arrived, then nothing for $stall")
            } catch (ended: EndOfStreamException) {
                throw EndOfStreamException(from + ended.transferred(), target.size(), "body bytes (client left mid-body)")
            }
            from = to
            x.bytes = from
        }
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

    /** Sends [views] with one gathering write under the stall timeout. */
    private suspend fun send(socket: Socket, views: List<ByteView>) {
        withTimeoutOrNull(stall) { socket.sendFrom(views) }
            ?: throw IOException("client stalled: a response write made no progress for $stall")
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
        started: Long, note: String?,
    ) {
        if (!config.accessLog || !access.isInfoEnabled) return
        val micros = (System.nanoTime() - started) / 1000
        access.info(accessLine(peer, method, target, range, status, bytes, mode, micros, note))
    }

    companion object {
        private val log = LoggerFactory.getLogger(Exchanges::class.java)
        private val access = LoggerFactory.getLogger("dev.zerocopy.samples.stream.access")
    }
}
