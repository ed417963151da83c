package dev.zerocopy.ktor.internal

import io.ktor.network.selector.SelectorManager
import kotlinx.coroutines.Job
import kotlinx.coroutines.asCoroutineDispatcher
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/** Numbers the threads of every selector manager made here. */
private val threadNumbers = AtomicInteger()

/**
 * Creates a Ktor [SelectorManager] that runs on two daemon threads of its own, and stops
 * them when it is closed.
 *
 * Ktor's selector loop waits for readiness in `Selector.select()`, which blocks its
 * thread until a socket is ready. Here it blocks a thread that the manager owns, as an
 * event loop's thread does, never a thread of a shared pool. The second thread runs
 * whatever else Ktor dispatches to the manager (the coroutines behind Ktor's own socket
 * channels) while the first waits in `select()`. The adapter's transfers never run there:
 * they step in their caller and on the adapter's transfer loops ([TransferLoops]).
 *
 * [SelectorManager.close] closes Ktor's manager, then shuts the threads down once its
 * loop has ended, without waiting.
 */
internal fun ownedSelectorManager(): SelectorManager {
    val threads = Executors.newFixedThreadPool(2) { task ->
        Thread(task, "zerocopy-selector-${threadNumbers.incrementAndGet()}").apply { isDaemon = true }
    }.asCoroutineDispatcher()
    val loop = Job()
    val manager = SelectorManager(threads + loop)
    return object : SelectorManager by manager {
        override fun close() {
            manager.close()
            loop.complete()
            loop.invokeOnCompletion { threads.close() }
        }
    }
}
