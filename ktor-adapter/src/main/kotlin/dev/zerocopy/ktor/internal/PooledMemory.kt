package dev.zerocopy.ktor.internal

import dev.zerocopy.ByteView
import dev.zerocopy.ViewPool
import kotlinx.coroutines.suspendCancellableCoroutine
import java.util.concurrent.CancellationException
import kotlin.coroutines.resumeWithException

/**
 * Acquires [size] bytes from this pool, suspending (not blocking a thread) while
 * the pool is at its bound. Cancellable while suspended: the request is withdrawn,
 * and a view handed over in the same instant is closed, so nothing stays held.
 */
internal suspend fun ViewPool.acquireView(size: Int): ByteView {
    tryAcquire(size.toLong())?.let { return it }
    val pending = acquireAsync(size.toLong())
    return suspendCancellableCoroutine { continuation ->
        pending.whenComplete { view, failure ->
            when {
                failure == null -> continuation.resume(view) { _, unused, _ -> unused.close() }
                failure !is CancellationException -> continuation.resumeWithException(failure)
            }
        }
        // A view that completes the future after this is closed by resume's handler above.
        continuation.invokeOnCancellation { pending.cancel(false) }
    }
}

/** Runs [receive] into [view], closing the view if it fails (or is cancelled) so the pool gets it back. */
internal inline fun <T> releasingOnFailure(view: ByteView, receive: () -> T): T =
    try {
        receive()
    } catch (e: Throwable) {
        view.close()
        throw e
    }
