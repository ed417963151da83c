package dev.zerocopy.ktor.internal

import io.ktor.network.selector.SelectInterest
import io.ktor.network.sockets.Socket
import java.lang.reflect.Field

/**
 * Ktor's sockets remember the coroutine that serves `openReadChannel()` or
 * `openWriteChannel()` in fields of `SocketBase` that are package-private on the JVM.
 * Reading them is the only way to refuse a second owner before it corrupts the stream;
 * the canary test fails first if a Ktor upgrade renames them.
 */
private fun ownerField(name: String): Field? = runCatching {
    Class.forName("io.ktor.network.sockets.SocketBase").getDeclaredField(name).apply { isAccessible = true }
}.getOrNull()

// Named for the job's side of Ktor's channel: reading the socket is a WriterJob into the read channel.
// Two fields rather than a map: a socket call's first use then loads no collection classes.
private val readOwnerField: Field? = ownerField("writerJob")
private val writeOwnerField: Field? = ownerField("readerJob")

/**
 * @throws IllegalStateException if Ktor's own channel for [interest] was opened on [socket]
 */
internal fun checkOwner(socket: Socket, interest: SelectInterest) {
    val field = (if (interest == SelectInterest.READ) readOwnerField else writeOwnerField) ?: return
    if (!field.declaringClass.isInstance(socket) || field.get(socket) == null) return
    val (opened, verb, gerund) =
        if (interest == SelectInterest.READ) Triple("openReadChannel", "receive", "receiving")
        else Triple("openWriteChannel", "send", "sending")
    throw IllegalStateException(
        "$opened() was called on this socket, so Ktor's channel owns it for $gerund; " +
            "$verb through that channel (the adapter's extensions on it) instead of the socket"
    )
}

/** Whether Ktor's owner fields were found; the canary test asserts it. */
internal val ownerCheckAvailable: Boolean get() = readOwnerField != null && writeOwnerField != null
