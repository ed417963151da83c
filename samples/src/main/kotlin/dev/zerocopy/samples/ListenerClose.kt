package dev.zerocopy.samples

import io.ktor.network.selector.Selectable
import io.ktor.network.sockets.ServerSocket
import java.io.IOException
import java.nio.channels.NetworkChannel
import java.nio.channels.SelectableChannel
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
 * the local address then takes (and waits for); only a preemption of the selector thread between
 * those few instructions could still let a connect through.
 *
 * @return whether the socket was seen released within [timeout]
 */
internal fun ServerSocket.closeAndAwaitRelease(timeout: Duration = 5.seconds): Boolean {
    close()
    val channel = (this as? Selectable)?.channel ?: return true
    return awaitDeregistered(channel, timeout)
}

/** Waits for the selector to drop a closed [channel]; see [closeAndAwaitRelease]. */
internal fun awaitDeregistered(channel: SelectableChannel, timeout: Duration): Boolean {
    val deadline = System.nanoTime() + timeout.inWholeNanoseconds
    var pauseNanos = TimeUnit.MICROSECONDS.toNanos(50)
    // The JDK signals nothing when it deregisters a key, so poll, backing off to 1 ms: the
    // selector was woken by the close and normally deregisters within microseconds.
    while (channel.isRegistered) {
        if (System.nanoTime() - deadline >= 0) return false
        LockSupport.parkNanos(pauseNanos)
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
