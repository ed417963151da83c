package dev.zerocopy.samples.load

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FrameTooLargeException
import dev.zerocopy.TransferCounters
import dev.zerocopy.ViewPool
import dev.zerocopy.ktor.SocketFutures
import dev.zerocopy.ktor.recvFrame
import dev.zerocopy.ktor.sendFrame
import dev.zerocopy.ktor.sendFrom
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.InetSocketAddress
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.cancelAndJoin
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.delay
import kotlinx.coroutines.joinAll
import kotlinx.coroutines.launch
import kotlinx.coroutines.sync.Semaphore
import kotlinx.coroutines.sync.withPermit
import kotlinx.coroutines.withTimeoutOrNull
import org.HdrHistogram.Histogram
import org.HdrHistogram.Recorder
import java.io.IOException
import java.net.InetAddress
import java.net.ProtocolException
import java.time.Duration
import java.util.EnumMap
import java.util.SplittableRandom
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.atomic.AtomicLong
import java.util.concurrent.atomic.LongAdder
import kotlin.coroutines.cancellation.CancellationException
import kotlin.time.Duration.Companion.milliseconds
import kotlin.time.Duration.Companion.seconds
import kotlin.time.toKotlinDuration

/**
 * Settings of a load run; [LoadTester] reads them once.
 *
 * @property target the server
 */
public class LoadConfig(public val target: LoadTarget) {
    /** What to fetch. */
    public var mode: LoadMode = LoadMode.STREAM

    /** Connections working at once, each one request at a time. */
    public var connections: Int = 64

    /** How long to issue requests; requests in flight at the end still complete. */
    public var duration: Duration = Duration.ofSeconds(30)

    /** The most requests to issue in all; 0 for no limit but [duration]. */
    public var requests: Long = 0

    /** Stream mode: bytes per range request. Arrays mode: the largest frame payload accepted. */
    public var chunk: Int = 1 shl 20

    /** Stream mode: the file to fetch ranges of, e.g. `/movie.mp4`. */
    public var path: String? = null

    /** How long one request (or one connect) may take before it counts as a timeout. */
    public var timeout: Duration = Duration.ofSeconds(10)

    /** Seeds the random offsets, so that runs can be repeated. */
    public var seed: Long = 1

    /**
     * Addresses to open connections from, taken in turn (connection `i` binds to
     * `sources[(firstConnection + i) % sources.size]` before it connects); empty to let the
     * kernel choose. Each address gives about 28,000 connections to one server.
     */
    public var sources: List<InetAddress> = emptyList()

    /**
     * The index of this tester's first connection within a run spread over processes: it
     * offsets the seeds and the turn of [sources], so that N processes together make the
     * same connections as one would. 0 for a run in one process.
     */
    public var firstConnection: Int = 0

    /** Checks everything but the connections' limit per process, which depends on how the run is spread. */
    internal fun check() {
        require(connections >= 1) { "connections must be >= 1, was $connections" }
        require(chunk > 0) { "chunk must be positive, was $chunk" }
        require(!duration.isNegative && !duration.isZero) { "duration must be positive, was $duration" }
        require(requests >= 0) { "requests must be >= 0, was $requests" }
        require(firstConnection >= 0) { "firstConnection must be >= 0, was $firstConnection" }
        require(mode != LoadMode.STREAM || path?.startsWith("/") == true) {
            "stream mode needs a path starting with '/', e.g. /movie.mp4; was $path"
        }
    }
}

/** Why a request failed, when no exception class says it. */
private class LoadFailure(val kind: ErrorKind, message: String) : Exception(message)

/**
 * A coroutine load generator on Ktor sockets and the zerocopy adapter. In stream mode each
 * connection sends range GETs at random offsets of one file over keep-alive (users seeking
 * in a video): requests go out with the adapter's `sendFrom`, and responses come back
 * through the adapter too (see [ResponseReader]: heads parsed by ktor-http-cio, bodies
 * received straight into a view). In arrays mode each request is a connection that
 * receives one frame with the adapter's `recvFrame`. In echo mode each connection sends
 * frames of random bytes with `sendFrame` and receives each back with `recvFrame`.
 *
 * Every response is checked before it counts: status, `Content-Length` equal to the range
 * asked for, `Content-Range`, and exactly that many body bytes received. The run stops by
 * itself at its duration or request count, and gives up on requests still in flight a
 * timeout later. A tester makes one run; its counters are not reset.
 */
public class LoadTester(private val config: LoadConfig) {
    private val issued = AtomicLong()
    private val connects = LongAdder()
    private val connectsBySource = List(config.sources.size) { LongAdder() }

    /**
     * Bounds the connects in flight: thousands of SYNs at once overflow a server's accept
     * queue (1,024 for `stream serve`), and the kernel then drops them or answers with SYN
     * cookies for connections the server never sees, so connects time out or are reset
     * instead of measuring the server.
     */
    private val connecting = Semaphore(MAX_CONNECTS_IN_FLIGHT)
    private val requests = LongAdder()
    private val bytes = LongAdder()
    private val errors = EnumMap<ErrorKind, LongAdder>(ErrorKind::class.java).apply { ErrorKind.entries.forEach { put(it, LongAdder()) } }
    private val firstErrors = ConcurrentHashMap<ErrorKind, String>()
    private val recorder = Recorder(3)
    private val timeout = config.timeout.toKotlinDuration()

    /**
     * Arrays mode: direct memory for the frames in flight, taken per request and given
     * back as soon as the frame is checked; bounded so that many connections share
     * at most [MAX_POOLED_FRAME_BYTES] (or one frame, if that is larger).
     */
    private val frames by lazy {
        ViewPool(maxOf(config.chunk.toLong(), minOf(config.connections.toLong() * config.chunk, MAX_POOLED_FRAME_BYTES)))
    }
    private var deadline = 0L

    init {
        require(config.connections in 1..MAX_CONNECTIONS) { "connections must be 1 to $MAX_CONNECTIONS, was ${config.connections}" }
        config.check()
    }

    /**
     * Runs the load, calling [progress] about once a second, and returns the report.
     *
     * Cancellable: cancelling ends every connection.
     *
     * @throws IOException if the stream-mode probe (a `HEAD` for the file's size) fails
     */
    public suspend fun run(progress: (LoadProgress) -> Unit = {}): LoadReport = coroutineScope {
        SocketFutures.selectorManager().use { selector ->
            val size = if (config.mode == LoadMode.STREAM) probeSize(selector) else 0L
            val sources = config.sources.map { SourceAddressSelector(selector, it) }
            val total = Histogram(3)
            val countersBefore = TransferCounters.snapshot()
            val start = System.nanoTime()
            deadline = start + config.duration.toNanos()
            val workers = List(config.connections) { index ->
                val turn = (config.firstConnection + index) % maxOf(1, sources.size)
                val from = Source(sources.getOrNull(turn) ?: selector, connectsBySource.getOrNull(turn))
                launch {
                    when (config.mode) {
                        LoadMode.STREAM -> streamWorker(index, from, size)
                        LoadMode.ARRAYS -> arraysWorker(from)
                        LoadMode.ECHO -> echoWorker(index, from)
                    }
                }
            }
            val ticker = launch { tick(start, total, progress) }
            // Workers stop issuing at the deadline; whatever is still in flight a timeout later is cut off.
            val finished = withTimeoutOrNull(config.duration.toKotlinDuration() + timeout + 5.seconds) { workers.joinAll(); true }
            if (finished == null) workers.forEach { it.cancelAndJoin() }
            ticker.cancelAndJoin()
            val seconds = (System.nanoTime() - start) / 1e9
            total.add(recorder.intervalHistogram)
            LoadReport(
                config.mode,
                config.target.hostHeader + (if (config.mode == LoadMode.STREAM) config.path else ""),
                config.connections, connects.sum(), seconds, requests.sum(), bytes.sum(), total,
                errors.mapValues { it.value.sum() }, firstErrors.toSortedMap(),
                1, config.sources.withIndex().associate { (i, address) -> address.hostAddress to connectsBySource[i].sum() },
                TransferCounters.snapshot().minus(countersBefore),
            )
        }
    }

    /** Runs the load on the calling thread's behalf, for the command line and Java callers. */
    public fun runBlocking(progress: (LoadProgress) -> Unit = {}): LoadReport =
        kotlinx.coroutines.runBlocking(Dispatchers.Default) { run(progress) }

    private suspend fun tick(start: Long, total: Histogram, progress: (LoadProgress) -> Unit) {
        var lastTime = start
        var lastBytes = 0L
        var lastRequests = 0L
        while (true) {
            delay(1000.milliseconds)
            val now = System.nanoTime()
            val interval = (now - lastTime) / 1e9
            val bytesNow = bytes.sum()
            val requestsNow = requests.sum()
            total.add(recorder.intervalHistogram)
            progress(
                LoadProgress(
                    (now - start) / 1e9, requestsNow, bytesNow, errors.values.sumOf { it.sum() },
                    (bytesNow - lastBytes) / interval / (1L shl 30), (requestsNow - lastRequests) / interval,
                )
            )
            lastTime = now
            lastBytes = bytesNow
            lastRequests = requestsNow
        }
    }

    /** Takes the next request's slot: false once the duration or the request count is reached. */
    private fun claim(): Boolean =
        System.nanoTime() < deadline && (config.requests == 0L || issued.incrementAndGet() <= config.requests)

    private fun fail(kind: ErrorKind, message: String?) {
        errors.getValue(kind).increment()
        firstErrors.putIfAbsent(kind, message ?: kind.label)
    }

    private fun succeed(started: Long, byteCount: Long) {
        recorder.recordValue((System.nanoTime() - started) / 1000)
        requests.increment()
        bytes.add(byteCount)
    }

    /** Where a worker's connections come from: a selector manager, bound to a source address or not. */
    private class Source(val selector: SelectorManager, val connects: LongAdder?)

    /** Opens a connection, or counts the failure (and pauses briefly, so a refusing server is not spun on). */
    private suspend fun connect(source: Source): Socket? {
        val failure = try {
            val socket = withTimeoutOrNull(timeout) {
                connecting.withPermit {
                    aSocket(source.selector).tcp().connect(InetSocketAddress(config.target.address.hostAddress, config.target.port)) { noDelay = true }
                }
            }
            if (socket != null) {
                connects.increment()
                source.connects?.increment()
                return socket
            }
            "connect took more than $timeout"
        } catch (cancelled: CancellationException) {
            throw cancelled
        } catch (failed: IOException) {
            failed.toString() + (if (source.connects != null) " (${source.selector})" else "")
        }
        fail(ErrorKind.CONNECT, failure)
        delay(50.milliseconds)
        return null
    }

    /** Learns the file's size with a HEAD on a connection of its own. */
    private suspend fun probeSize(selector: SelectorManager): Long {
        val path = config.path!!
        val socket = withTimeoutOrNull(timeout) {
            aSocket(selector).tcp().connect(InetSocketAddress(config.target.address.hostAddress, config.target.port))
        } ?: throw IOException("connecting to ${config.target} took more than $timeout")
        socket.use {
            val size = withTimeoutOrNull(timeout) {
                socket.sendFrom(ByteView.wrap(request("HEAD", path, null)))
                val response = ResponseReader(socket).readHead()
                try {
                    if (response.status != 200) throw IOException("HEAD $path answered ${response.status} ${response.statusText}, not 200")
                    response.headers["Content-Length"]?.toString()?.trim()?.toLongOrNull()
                        ?: throw IOException("HEAD $path answered without a Content-Length")
                } finally {
                    response.release()
                }
            } ?: throw IOException("HEAD $path took more than $timeout")
            if (size <= 0) throw IOException("$path is empty; there is nothing to fetch")
            return size
        }
    }

    private fun request(method: String, path: String, range: String?): ByteArray = buildString {
        append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
        append("Host: ").append(config.target.hostHeader).append("\r\n")
        append("User-Agent: zerocopy-samples-load\r\n")
        if (range != null) append("Range: bytes=").append(range).append("\r\n")
        append("\r\n")
    }.toByteArray(Charsets.US_ASCII)

    private suspend fun streamWorker(index: Int, source: Source, size: Long) {
        val random = SplittableRandom(config.seed + config.firstConnection + index)
        val count = minOf(config.chunk.toLong(), size)
        val body = ByteView.allocateDirect(count)
        var connection: Pair<Socket, ResponseReader>? = null
        try {
            while (claim()) {
                val (socket, responses) = connection ?: (connect(source) ?: continue).let { it to ResponseReader(it) }.also { connection = it }
                val first = if (count == size) 0 else random.nextLong(size - count + 1)
                val started = System.nanoTime()
                val keepAlive = fetch("fetching $first-${first + count - 1}") {
                    fetchRange(socket, responses, first, count, size, body)
                }
                if (keepAlive != null) succeed(started, count)
                if (keepAlive != true) {
                    socket.close()
                    connection = null
                }
            }
        } finally {
            connection?.first?.close()
        }
    }

    /** Sends one range GET and checks its response; returns whether the server keeps the connection. */
    private suspend fun fetchRange(socket: Socket, responses: ResponseReader, first: Long, count: Long, size: Long, body: ByteView): Boolean {
        val last = first + count - 1
        socket.sendFrom(ByteView.wrap(request("GET", config.path!!, "$first-$last")))
        val response = responses.readHead()
        try {
            if (response.status != 206) throw LoadFailure(ErrorKind.STATUS, "range $first-$last answered ${response.status} ${response.statusText}")
            val length = response.headers["Content-Length"]?.toString()?.trim()?.toLongOrNull()
            if (length != count) throw LoadFailure(ErrorKind.PROTOCOL, "range $first-$last answered with Content-Length $length, not $count")
            val contentRange = response.headers["Content-Range"]?.toString()
            if (contentRange != "bytes $first-$last/$size") {
                throw LoadFailure(ErrorKind.PROTOCOL, "range $first-$last answered with Content-Range $contentRange, not bytes $first-$last/$size")
            }
            responses.readBody(body.slice(0, count))
            return response.headers["Connection"]?.toString()?.contains("close", ignoreCase = true) != true
        } finally {
            response.release()
        }
    }

    private suspend fun arraysWorker(source: Source) {
        while (claim()) {
            val started = System.nanoTime()
            val socket = connect(source) ?: continue
            try {
                val size = fetch("receiving a frame") { socket.recvFrame(config.chunk, frames).use { it.size() } }
                if (size != null) {
                    if (size % java.lang.Double.BYTES == 0L) {
                        succeed(started, size)
                    } else {
                        fail(ErrorKind.FRAME, "a frame of $size bytes is not a whole number of doubles")
                    }
                }
            } finally {
                socket.close()
            }
        }
    }

    /** Sends frames of random bytes over one keep-alive connection and checks that each comes back the same. */
    private suspend fun echoWorker(index: Int, source: Source) {
        val sent = ByteView.allocateDirect(config.chunk.toLong())
        sent.buffer().put(ByteArray(config.chunk).also { SplittableRandom(config.seed + config.firstConnection + index).nextBytes(it) })
        val echoed = ByteView.allocateDirect(config.chunk.toLong())
        var socket: Socket? = null
        try {
            while (claim()) {
                val connection = socket ?: (connect(source) ?: continue).also { socket = it }
                val started = System.nanoTime()
                val checked = fetch("echoing ${config.chunk} bytes") {
                    connection.sendFrame(sent)
                    val back = connection.recvFrame(echoed)
                    val differs = back.buffer().mismatch(sent.buffer())
                    if (differs >= 0) {
                        throw LoadFailure(
                            ErrorKind.PROTOCOL,
                            "the echo of ${sent.size()} bytes came back as ${back.size()} bytes, differing from byte $differs",
                        )
                    }
                    true
                }
                if (checked != null) {
                    succeed(started, sent.size())
                } else {
                    // After a failure the stream may be mid-frame: start again on a new connection.
                    connection.close()
                    socket = null
                }
            }
        } finally {
            socket?.close()
        }
    }

    /** Runs one request under the timeout; returns its result, or null after counting its failure. */
    private suspend fun <T : Any> fetch(what: String, block: suspend CoroutineScope.() -> T): T? {
        val (kind, message) = try {
            return withTimeoutOrNull(timeout, block) ?: throw LoadFailure(ErrorKind.TIMEOUT, "$what took more than $timeout")
        } catch (cancelled: CancellationException) {
            throw cancelled
        } catch (failure: LoadFailure) {
            failure.kind to failure.message
        } catch (tooLarge: FrameTooLargeException) {
            ErrorKind.FRAME to tooLarge.message
        } catch (ended: EndOfStreamException) {
            ErrorKind.SHORT_BODY to "$what: ${ended.message}"
        } catch (malformed: ProtocolException) {
            // A negative frame size, or a response head too long or followed by too much.
            (if (config.mode == LoadMode.STREAM) ErrorKind.PROTOCOL else ErrorKind.FRAME) to "$what: ${malformed.message}"
        } catch (failed: IOException) {
            ErrorKind.IO to "$what: $failed"
        } catch (unparsable: RuntimeException) {
            // ktor-http-cio's ParserException and the parser's other rejections of a bad head.
            ErrorKind.PROTOCOL to "$what: $unparsable"
        }
        fail(kind, message)
        return null
    }

    public companion object {
        /** One process holds about 9,900 loopback connections with both ends in it; this is the most asked for. */
        public const val MAX_CONNECTIONS: Int = 10_000

        /** The most connects one process has in flight at once. */
        private const val MAX_CONNECTS_IN_FLIGHT: Int = 128

        /** The most direct memory arrays mode holds for frames in flight, whatever the connection count. */
        private const val MAX_POOLED_FRAME_BYTES: Long = 256L shl 20
    }
}
