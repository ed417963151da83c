package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.FileOptions
import dev.zerocopy.FileTransfer
import dev.zerocopy.ViewPool
import io.ktor.network.sockets.Socket
import kotlinx.coroutines.CoroutineScope
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.SupervisorJob
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.ExperimentalCoroutinesApi
import kotlinx.coroutines.Job
import kotlinx.coroutines.async
import java.nio.channels.FileChannel
import java.nio.file.Path
import java.util.concurrent.CompletableFuture
import java.util.function.IntFunction

/**
 * The adapter's socket operations for Java callers: each method starts the suspending
 * operation on [Dispatchers.Default] and returns a [CompletableFuture] of its result,
 * without blocking the calling thread. A future completes with the result, or
 * exceptionally with the exception the suspending function documents.
 *
 * Cancellation: `future.cancel(true)` (or `false`) asks the operation to stop, with the
 * same contract as the suspending function: a cancelled receive leaves the bytes that
 * arrived at the start of the view, and a send cancelled after some bytes went out marks
 * the socket broken for sending. The future completes only once the operation has
 * stopped, so `join()` after `cancel()` waits until the socket is free for the next
 * operation; if the operation finished first, the future holds its result.
 *
 * ```java
 * CompletableFuture<Long> sent = SocketFutures.sendFrom(socket, view);
 * sent.thenAccept(n -> System.out.println(n + " bytes sent"));
 * ```
 */
public object SocketFutures {

    /** Operations run as children of this scope; one failing does not cancel the others. */
    private val scope = CoroutineScope(SupervisorJob() + Dispatchers.Default)

    @OptIn(ExperimentalCoroutinesApi::class) // getCompleted, read only after completion
    private fun <T> start(block: suspend CoroutineScope.() -> T): CompletableFuture<T> {
        val operation = scope.async(block = block)
        val future = OperationFuture<T>(operation)
        operation.invokeOnCompletion { failure ->
            when (failure) {
                null -> future.complete(operation.getCompleted())
                is CancellationException -> future.cancelled()
                else -> future.completeExceptionally(failure)
            }
        }
        return future
    }

    /** A future whose cancel() cancels [operation] and completes only when it has stopped. */
    private class OperationFuture<T>(private val operation: Job) : CompletableFuture<T>() {
        override fun cancel(mayInterruptIfRunning: Boolean): Boolean {
            if (isDone) return isCancelled
            operation.cancel()
            return true
        }

        fun cancelled() {
            super.cancel(false)
        }
    }

    /**
     * Sends every byte of [view] to [socket]; see [Socket.sendFrom].
     *
     * @return a future of the bytes sent, always `view.size()`
     */
    @JvmStatic
    public fun sendFrom(socket: Socket, view: ByteView): CompletableFuture<Long> = start { socket.sendFrom(view) }

    /**
     * Sends [views] one after another as one stream; see [Socket.sendFrom].
     *
     * @return a future of the bytes sent
     */
    @JvmStatic
    public fun sendFrom(socket: Socket, views: List<ByteView>): CompletableFuture<Long> =
        start { socket.sendFrom(views) }

    /**
     * Fills [view] from [socket]; see [Socket.recvInto].
     *
     * @return a future of the bytes received, always `view.size()`
     */
    @JvmStatic
    public fun recvInto(socket: Socket, view: ByteView): CompletableFuture<Long> = start { socket.recvInto(view) }

    /**
     * Receives what one read gives into the start of [view]; see [Socket.recvSome].
     *
     * @return a future of the bytes received, -1 at the end of stream
     */
    @JvmStatic
    public fun recvSome(socket: Socket, view: ByteView): CompletableFuture<Int> = start { socket.recvSome(view) }

    /**
     * Sends [payload] as one length-prefixed frame; see [Socket.sendFrame].
     *
     * @return a future of the bytes sent, header included
     */
    @JvmStatic
    public fun sendFrame(socket: Socket, payload: ByteView): CompletableFuture<Long> =
        start { socket.sendFrame(payload) }

    /**
     * Receives one frame into the start of [into]; see [Socket.recvFrame].
     *
     * @return a future of the slice of [into] holding the payload
     */
    @JvmStatic
    public fun recvFrame(socket: Socket, into: ByteView): CompletableFuture<ByteView> =
        start { socket.recvFrame(into) }

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
    ): CompletableFuture<ByteView> = start { socket.recvFrame(maxSize) { allocator.apply(it) } }

    /**
     * Receives one frame of at most [maxSize] payload bytes into a view acquired
     * from [pool]; see [Socket.recvFrame]. The caller owns the view the future
     * completes with and must close it; cancelling the future before it completes
     * releases whatever the receive had taken from the pool.
     *
     * @return a future of a pooled view of exactly the payload
     */
    @JvmStatic
    public fun recvFrame(socket: Socket, maxSize: Int, pool: ViewPool): CompletableFuture<ByteView> =
        start { socket.recvFrame(maxSize, pool) }

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
    ): CompletableFuture<FileTransfer> = start { socket.sendFile(file, offset, count, options) }

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
    ): CompletableFuture<FileTransfer> = start { socket.sendFile(path, offset, count, options) }

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
    ): CompletableFuture<FileTransfer> = start { socket.recvFile(file, offset, count, options) }
}
