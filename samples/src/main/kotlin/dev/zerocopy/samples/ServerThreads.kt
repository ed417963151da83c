package dev.zerocopy.samples

import kotlinx.coroutines.ExecutorCoroutineDispatcher
import kotlinx.coroutines.asCoroutineDispatcher
import java.util.concurrent.ConcurrentHashMap
import java.util.concurrent.Executors
import java.util.concurrent.atomic.AtomicInteger

/** Numbers the threads of every [serverThreads] pool in the process, by name. */
private val threadNumbers = ConcurrentHashMap<String, AtomicInteger>()

/**
 * A sample server's own threads for its coroutines, named `name-N` (daemons, as many as cores,
 * at least two); the server closes the dispatcher once its coroutines have ended.
 *
 * A server's connections do not run on `Dispatchers.Default`: there, a scheduler worker that
 * runs any `Dispatchers.IO` task (Ktor runs its sockets' read and write channel coroutines
 * there, whatever the selector manager) gives up its CPU permit and parks, and while the other
 * workers stay busy, the coroutines queued on it do not run. The soak, with a stream server
 * beside a chat server, saw chat sessions not start for more than 25 s. A plain pool's one
 * queue has no such corner: what is dispatched runs in turn.
 */
internal fun serverThreads(name: String): ExecutorCoroutineDispatcher {
    val numbers = threadNumbers.computeIfAbsent(name) { AtomicInteger() }
    return Executors.newFixedThreadPool(maxOf(2, Runtime.getRuntime().availableProcessors())) { task ->
        Thread(task, "$name-${numbers.incrementAndGet()}").apply { isDaemon = true }
    }.asCoroutineDispatcher()
}
