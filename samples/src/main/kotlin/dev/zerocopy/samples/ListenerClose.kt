package dev.zerocopy.samples

import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.ServerSocket
import java.io.IOException
import java.nio.channels.NetworkChannel
import java.util.concurrent.TimeUnit
import java.util.concurrent.locks.LockSupport
import kotlin.time.Duration
import kotlin.time.Duration.Companion.seconds

/**
 * Closes a Ktor listener and returns only once its socket has really stopped listening, so that
 * a connect made afterwards is refused; [ServerSocket.close] alone does not promise that.
 *
 * The JDK closes a channel registered with a selector only when that selector deregisters it, on
 * its next select on the selector's own thread; until then the kernel still listens, completes
 * handshakes into the accept backlog, and a client's connect succeeds (only to be reset later).
 * The listener is registered whenever an `accept` waits, which is all the time. So this waits,
 * up to [timeout], until the channel is no longer registered: the selector thread closes the
 * socket a few instructions after deregistering it, under the channel's state lock, which reading
 * the local address then takes (and waits for). Measured under load, 1 connect in about 2,000
 * closes still got through (a preemption of the selector thread between deregistering and
 * closing, presumably); without this wait, 38 in 200.
 *
 * @return whether the socket was seen released within [timeout]
 */
internal fun ServerSocket.closeAndAwaitRelease(timeout: Duration = 5.seconds): Boolean {
    close()
    val channel = (this as? Selectable)?.channel ?: return true
    val deadline = System.nanoTime() + timeout.inWholeNanoseconds
    var pauseNanos = TimeUnit.MICROSECONDS.toNanos(50)
    // The JDK signals nothing when it deregisters a key, so poll, backing off to 1 ms: the
    // selector was woken by the close and normally deregisters within microseconds. Closing
    // again wakes the selector again: once in about 2,000 closes under load the first wake-up
    // was lost and the selector slept on, the socket still listening, for more than 5 s.
    while (channel.isRegistered) {
        if (System.nanoTime() - deadline >= 0) return false
        LockSupport.parkNanos(pauseNanos)
        if (pauseNanos >= TimeUnit.MILLISECONDS.toNanos(1)) close()
        pauseNanos = minOf(pauseNanos * 2, TimeUnit.MILLISECONDS.toNanos(1))
    }
    try {
        // Read under the state lock the selector thread holds while it closes the socket.
        (channel as? NetworkChannel)?.localAddress
    } catch (closed: IOException) {
        // Expected (the channel is closed): the point was to pass through the lock.
    }
    return true
}
