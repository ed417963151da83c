package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FileOptions
import dev.zerocopy.FileTransfer
import dev.zerocopy.Progress
import dev.zerocopy.ViewPool
import dev.zerocopy.ktor.internal.OperationFuture
import dev.zerocopy.ktor.internal.ownedSelectorManager
import io.ktor.network.selector.SelectInterest
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.ServerSocket
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.SocketAddress
import io.ktor.network.sockets.aSocket
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.CoroutineStart
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.async
import java.nio.channels.FileChannel
import java.nio.file.Path
import java.time.Duration
import java.util.concurrent.CompletableFuture
import java.util.function.IntFunction

/**
 * The adapter's socket operations for Java callers, coroutines not needed: each method
 * starts the suspending operation on [Dispatchers.Default] and returns a
 * [CompletableFuture] of its result, without blocking the calling thread. A future
 * completes with the result, or exceptionally with the exception the suspending
 * function documents. [selectorManager], [connect], [bind] and [accept] give Java code
 * its Ktor sockets in the first place.
 *
 * Cancellation: every future returned here is a [TransferFuture]. Its `cancel(...)`
 * cancels the operation, waits (briefly) until it has stopped touching the caller's views,
 * file and socket, and completes the future with a [TransferCancellationException]
 * (`isCancelled()` is true) whose `report` counts the bytes moved; [TransferFuture] says
 * when it cannot wait. Completing the future any other way before the operation ends
 * (`orTimeout`, which gives a [java.util.concurrent.TimeoutException], `completeOnTimeout`,
 * `complete` or `completeExceptionally`) cancels the operation without waiting and
 * without counts. What the cancelled operation leaves behind is the suspending
 * function's contract: a receive leaves the bytes that arrived at the start of the view
 * and the socket usable for further receives; a send cancelled after some bytes went
 * out marks the socket broken, so later sends on it fail with an IOException; a socket
 * (or pooled view) that arrives after its future was cancelled is closed.
 *
 * Counts: to learn how far an operation got when it runs out of time, give it its own
 * `timeout` (or the file options' timeout) instead of `orTimeout`: the future then
 * completes exceptionally with a [dev.zerocopy.TransferTimeoutException] whose `report()`
 * counts the bytes moved, and so does every other failure of a transfer. A [Progress]
 * follows the operation as in the suspending functions; its listener runs on a
 * [Dispatchers.Default] thread until the socket would block, then on one of the adapter's
 * transfer-loop threads.
 *
 * Operations started here on one socket run one after another per direction (receives,
 * sends, accepts), in the order they were started: a receive started right after a
 * cancelled one waits until the cancelled one has stopped, so it finds the socket free.
 * Cancelling a dependent future (from `thenApply` and the like) does not reach the
 * operation, as with any [CompletableFuture].
 *
 * ```java
 * TransferFuture<Long> sent = SocketFutures.sendFrom(socket, view);
 * sent.thenAccept(n -> System.out.println(n + " bytes sent"));
 * ```
 */
public object SocketFutures {

    /** Operations run as children of this scope; one failing does not cancel the others. */
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    /** One lane per socket and direction: the operation last started there, until it ends. */
    private enum class Lane { RECV, SEND, ACCEPT }

    private val running = HashMap<Pair<Lane, Any>, Job>()

    @OptIn(ExperimentalCoroutinesApi::class) // getCompleted, read only after completion
    private fun <T> start(
        lane: Lane?,
        connection: Any?,
        block: suspend CoroutineScope.() -> T,
    ): TransferFuture<T> {
        val key = lane?.let { it to Identity(connection!!) }
        val future = OperationFuture<T>()
        val operation = synchronized(running) {
            val previous = key?.let { running[it] }
            scope.async(future.context(), start = CoroutineStart.LAZY) {
                previous?.join()
                future.capture { block() }
            }.also { if (key != null) running[key] = it }
        }
        operation.invokeOnCompletion { failure ->
            if (key != null) synchronized(running) { running.remove(key, operation) }
            future.stopped(failure) { operation.getCompleted() }
        }
        // Whoever completes the future first (cancel, orTimeout, complete...) stops the operation.
        future.attach(operation)
        operation.start()
        return future
    }

    /** A socket as a map key, by identity, whatever its equals says. */
    private class Identity(val target: Any) {
        override fun equals(other: Any?): Boolean = other is Identity && other.target === target
        override fun hashCode(): Int = System.identityHashCode(target)
    }

    /**
     * Creates a Ktor [SelectorManager] for [connect] and [bind], running on two daemon
     * threads of its own: Ktor's selector loop waits for readiness in `Selector.select()`
     * on one, and the other runs what Ktor dispatches to the manager meanwhile. Transfers
     * suspend on the manager and never run on its threads. Close it (it is `Closeable`)
     * after the sockets it serves; closing stops its threads.
     *
     * @return a new selector manager
     */
    @JvmStatic
    public fun selectorManager(): SelectorManager = ownedSelectorManager()

    /**
     * Connects a TCP socket to [remote] through [selector].
     *
     * @return a future of the connected socket; if the future is cancelled first, a
     *   socket that connects anyway is closed
     */
    @JvmStatic
    public fun connect(selector: SelectorManager, remote: SocketAddress): CompletableFuture<Socket> =
        start(null, null) { aSocket(selector).tcp().connect(remote) }

    /**
     * Binds a TCP server socket to [local] (port 0: any free port; its `localAddress`
     * says which) through [selector].
     *
     * @return a future of the bound server socket; if the future is cancelled first, a
     *   server socket bound anyway is closed
     */
    @JvmStatic
    public fun bind(selector: SelectorManager, local: SocketAddress): CompletableFuture<ServerSocket> =
        start(null, null) { aSocket(selector).tcp().bind(local) }

    /**
     * Accepts the next connection on [server].
     *
     * @return a future of the accepted socket; if the future is cancelled first, a
     *   socket accepted anyway is closed
     */
    @JvmStatic
    public fun accept(server: ServerSocket): CompletableFuture<Socket> =
        start(Lane.ACCEPT, server) {
            try {
                server.accept()
            } catch (cancelled: CancellationException) {
                // Ktor 3.6.1 leaves a cancelled select registered, and the next accept on the
                // server then fails with "Handler for ACCEPT is already registered" (see NioSide).
                (server as? Selectable)?.suspensions?.removeSuspension(SelectInterest.ACCEPT)
                throw cancelled
            }
        }

    /**
     * Sends every byte of [view] to [socket], within [timeout] (null: none) and followed
     * by [progress] (null: none); see [Socket.sendFrom].
     *
     * @return a future of the bytes sent, always `view.size()`
     */
    @JvmStatic
    @JvmOverloads
    public fun sendFrom(
        socket: Socket,
        view: ByteView,
        timeout: Duration? = null,
        progress: Progress? = null,
    ): TransferFuture<Long> = start(Lane.SEND, socket) { socket.sendFrom(view, timeout, progress) }

    /**
     * Sends [views] one after another as one stream, within [timeout] (null: none) and
     * followed by [progress] (null: none); see [Socket.sendFrom].
     *
     * @return a future of the bytes sent
     */
    @JvmStatic
    @JvmOverloads
    public fun sendFrom(
        socket: Socket,
        views: List<ByteView>,
        timeout: Duration? = null,
        progress: Progress? = null,
    ): TransferFuture<Long> = start(Lane.SEND, socket) { socket.sendFrom(views, timeout, progress) }

    /**
     * Fills [view] from [socket], within [timeout] (null: none) and followed by
     * [progress] (null: none); see [Socket.recvInto].
     *
     * @return a future of the bytes received, always `view.size()`
     */
    @JvmStatic
    @JvmOverloads
    public fun recvInto(
        socket: Socket,
        view: ByteView,
        timeout: Duration? = null,
        progress: Progress? = null,
    ): TransferFuture<Long> = start(Lane.RECV, socket) { socket.recvInto(view, timeout, progress) }

    /**
     * Receives what one read gives into the start of [view]; see [Socket.recvSome].
     *
     * @return a future of the bytes received, -1 at the end of stream
     */
    @JvmStatic
    public fun recvSome(socket: Socket, view: ByteView): TransferFuture<Int> =
        start(Lane.RECV, socket) { socket.recvSome(view) }

    /**
     * Sends [payload] as one length-prefixed frame; see [Socket.sendFrame].
     *
     * @return a future of the bytes sent, header included
     */
    @JvmStatic
    public fun sendFrame(socket: Socket, payload: ByteView): TransferFuture<Long> =
        start(Lane.SEND, socket) { socket.sendFrame(payload) }

    /**
     * Receives one frame into the start of [into]; see [Socket.recvFrame].
     *
     * @return a future of the slice of [into] holding the payload
     */
    @JvmStatic
    public fun recvFrame(socket: Socket, into: ByteView): TransferFuture<ByteView> =
        start(Lane.RECV, socket) { socket.recvFrame(into) }

    /**
     * Receives one frame of at most [maxSize] payload bytes into a view made by
     * [allocator]; see [Socket.recvFrame].
     *
     * @return a future of a view of exactly the payload
     */
    @JvmStatic
    @JvmOverloads
    public fun recvFrame(
        socket: Socket,
        maxSize: Int,
        allocator: IntFunction<ByteView> = IntFunction(ByteView::allocate),
    ): TransferFuture<ByteView> = start(Lane.RECV, socket) { socket.recvFrame(maxSize) { allocator.apply(it) } }

    /**
     * Receives one frame of at most [maxSize] payload bytes into a view acquired
     * from [pool]; see [Socket.recvFrame]. The caller owns the view the future
     * completes with and must close it; cancelling the future before it completes
     * releases whatever the receive had taken from the pool.
     *
     * @return a future of a pooled view of exactly the payload
     */
    @JvmStatic
    public fun recvFrame(socket: Socket, maxSize: Int, pool: ViewPool): TransferFuture<ByteView> =
        start(Lane.RECV, socket) { socket.recvFrame(maxSize, pool) }

    /**
     * Sends [count] bytes of [file] from [offset] (-1: to the end); see [Socket.sendFile].
     *
     * @return a future of the finished transfer, with the mode that ran
     */
    @JvmStatic
    @JvmOverloads
    public fun sendFile(
        socket: Socket,
        file: FileChannel,
        offset: Long = 0,
        count: Long = -1,
        options: FileOptions = FileOptions.defaults(),
    ): TransferFuture<FileTransfer> = start(Lane.SEND, socket) { socket.sendFile(file, offset, count, options) }

    /**
     * Sends a range of the file at [path]; see [Socket.sendFile].
     *
     * @return a future of the finished transfer, with the mode that ran
     */
    @JvmStatic
    @JvmOverloads
    public fun sendFile(
        socket: Socket,
        path: Path,
        offset: Long = 0,
        count: Long = -1,
        options: FileOptions = FileOptions.defaults(),
    ): TransferFuture<FileTransfer> = start(Lane.SEND, socket) { socket.sendFile(path, offset, count, options) }

    /**
     * Receives exactly [count] bytes into [file] from [offset] on; see [Socket.recvFile].
     *
     * @return a future of the finished transfer
     */
    @JvmStatic
    @JvmOverloads
    public fun recvFile(
        socket: Socket,
        file: FileChannel,
        offset: Long,
        count: Long,
        options: FileOptions = FileOptions.defaults(),
    ): TransferFuture<FileTransfer> = start(Lane.RECV, socket) { socket.recvFile(file, offset, count, options) }
}
