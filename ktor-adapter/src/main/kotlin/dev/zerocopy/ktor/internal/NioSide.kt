package dev.zerocopy.ktor.internal

import dev.zerocopy.Transfer
import io.ktor.network.selector.SelectInterest
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import kotlinx.coroutines.CancellationException
import java.lang.reflect.Method
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import java.time.Duration

/**
 * The NIO side of a Ktor socket: its channel, the [TransferLoops] that finish its transfers
 * once they would block, and the selector manager it is registered with, on which a
 * transfer suspends ([await]) at every wait instead when the loops are turned off.
 */
internal class NioSide(
    val selectable: Selectable,
    val channel: SocketChannel,
    val selector: SelectorManager,
    val loops: TransferLoops?,
) {

    /**
     * Suspends until the selector reports [interest] for the socket.
     *
     * Ktor 3.6.1 does nothing when a pending select is cancelled: the continuation stays
     * registered, and the next select on that socket fails with "Handler for READ is
     * already registered". Removing it here keeps the socket usable after a cancellation.
     */
    suspend fun await(interest: SelectInterest) {
        selectable.interestOp(interest, true)
        try {
            selector.select(selectable, interest)
        } catch (cancelled: CancellationException) {
            selectable.suspensions.removeSuspension(interest)
            throw cancelled
        } finally {
            selectable.interestOp(interest, false)
        }
    }
}

/**
 * Ktor's JVM sockets know their selector manager through `getSelector()`, a public JVM
 * method of a class that is Kotlin-internal to ktor-network, so it is looked up once per
 * class. The canary test fails first if a Ktor upgrade removes it.
 */
private val selectorGetter = object : ClassValue<Method?>() {
    override fun computeValue(type: Class<*>): Method? =
        runCatching { type.getMethod("getSelector") }.getOrNull()
            ?.takeIf { SelectorManager::class.java.isAssignableFrom(it.returnType) }
}

/**
 * Returns the NIO side of [socket] for one direction, or null if the socket has none the
 * adapter can drive (it is not Selectable, like a TLS socket): such a socket goes through
 * Ktor's channels instead ([fallbackReason] says why).
 *
 * @throws IllegalStateException if Ktor's own channel for that direction was opened on
 *   the socket: Ktor's reader or writer coroutine owns that direction then
 */
internal fun nioSideOf(socket: Socket, interest: SelectInterest): NioSide? {
    if (fallbackReason(socket) != null) return null
    checkOwner(socket, interest)
    val selectable = socket as Selectable
    val selector = selectorGetter.get(socket.javaClass)!!.invoke(socket) as SelectorManager
    return NioSide(selectable, selectable.channel as SocketChannel, selector, TransferLoops.default)
}

/** Tells why [socket] cannot be driven on its NIO channel, or null if it can. */
internal fun fallbackReason(socket: Socket): String? {
    val selectable = socket as? Selectable ?: return "${socket::class.qualifiedName} is not Selectable"
    if (selectable.channel !is SocketChannel) {
        return "${socket::class.qualifiedName}'s channel ${selectable.channel::class.qualifiedName} is not a SocketChannel"
    }
    if (selectorGetter.get(socket.javaClass) == null) {
        return "${socket::class.qualifiedName} does not expose its SelectorManager through getSelector()"
    }
    return null
}

/**
 * Steps [transfer] on the socket's own channel in the caller; once a step moves nothing, the
 * socket's loop finishes it (or, with the loops off, the caller suspends on the selector at
 * every wait).
 */
internal suspend fun NioSide.drive(socket: Socket, transfer: Transfer, timeout: Duration? = null): Long =
    drive(socket, transfer, timeout, await = waitFor(transfer))

/** What [drive] calls when a step of [transfer] moves nothing. */
internal fun NioSide.waitFor(transfer: Transfer): suspend () -> Unit {
    val loops = loops
    if (loops != null) return { TransferHandoff(channel, transfer).finishOn(loops.loopFor(channel)) }
    val interest = if (transfer.interestOps() == SelectionKey.OP_WRITE) SelectInterest.WRITE else SelectInterest.READ
    return { await(interest) }
}
