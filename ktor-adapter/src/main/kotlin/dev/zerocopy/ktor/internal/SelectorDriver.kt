package dev.zerocopy.ktor.internal

import dev.zerocopy.Transfer
import io.ktor.network.selector.SelectInterest
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.yield
import java.io.IOException
import java.lang.reflect.Method
import java.nio.channels.ClosedChannelException
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import java.util.Collections
import java.util.WeakHashMap

/** The NIO side of a Ktor socket: its channel, and the selector manager it is registered with. */
internal class NioSide(val selectable: Selectable, val channel: SocketChannel, val selector: SelectorManager)

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

/** Returns the NIO side of [socket], or fails saying why the adapter cannot drive it. */
internal fun nioSideOf(socket: Socket): NioSide {
    val selectable = socket as? Selectable
        ?: throw UnsupportedOperationException(
            "${socket::class.qualifiedName} is not Selectable; the adapter drives only Ktor's NIO TCP sockets"
        )
    val channel = selectable.channel as? SocketChannel
        ?: throw UnsupportedOperationException("${selectable.channel::class.qualifiedName} is not a SocketChannel")
    val selector = selectorGetter.get(socket.javaClass)?.invoke(socket) as? SelectorManager
        ?: throw UnsupportedOperationException(
            "${socket::class.qualifiedName} does not expose its SelectorManager through getSelector()"
        )
    return NioSide(selectable, channel, selector)
}

/**
 * Sends that were cancelled or failed part way, by socket: the peer saw a partial
 * message, so later sends on that socket must fail instead of corrupting the stream.
 */
private val brokenSends: MutableMap<Socket, String> = Collections.synchronizedMap(WeakHashMap())

internal fun checkNotBroken(socket: Socket) {
    brokenSends[socket]?.let { throw IOException("the connection is broken for sending: $it") }
}

/** Steps between two cooperative yields: 16 steps are at most 16 MiB (64 MiB for files). */
private const val STEPS_PER_YIELD = 16

/**
 * Steps [transfer] to completion, suspending on the socket's selector whenever a step
 * moves nothing. A send that ends early after moving some bytes marks the socket broken.
 */
internal suspend fun drive(socket: Socket, side: NioSide, transfer: Transfer): Long {
    val interest = if (transfer.interestOps() == SelectionKey.OP_WRITE) SelectInterest.WRITE else SelectInterest.READ
    val start = transfer.transferred()
    var completed = false
    try {
        var steps = 0
        while (!transfer.isComplete) {
            val moved = try {
                transfer.step()
            } catch (closed: ClosedChannelException) {
                throw closedWhile(transfer, closed)
            }
            if (moved == 0L) {
                if (!transfer.isComplete) awaitReady(side, interest, transfer)
            } else if (++steps % STEPS_PER_YIELD == 0) {
                yield()
            }
        }
        completed = true
        return transfer.transferred() - start
    } finally {
        if (!completed && interest == SelectInterest.WRITE && transfer.transferred() > 0) {
            brokenSends.putIfAbsent(
                socket, "a send ended after ${transfer.transferred()} of ${transfer.byteCount()} bytes, " +
                    "so the peer saw a partial message"
            )
        }
    }
}

/**
 * Suspends until the selector reports [interest] for the socket.
 *
 * Ktor 3.6.1 does nothing when a pending select is cancelled: the continuation stays
 * registered, and the next select on that socket fails with "Handler for READ is
 * already registered". Removing it here keeps the socket usable after a cancellation.
 */
internal suspend fun awaitReady(side: NioSide, interest: SelectInterest, transfer: Transfer) {
    val selectable = side.selectable
    selectable.interestOp(interest, true)
    try {
        side.selector.select(selectable, interest)
    } catch (cancelled: CancellationException) {
        selectable.suspensions.removeSuspension(interest)
        throw cancelled
    } catch (closed: IOException) {
        throw closedWhile(transfer, closed)
    } finally {
        selectable.interestOp(interest, false)
    }
}

private fun closedWhile(transfer: Transfer, cause: IOException): IOException {
    val verb = if (transfer.interestOps() == SelectionKey.OP_WRITE) "sent" else "received"
    return IOException(
        "socket closed after ${transfer.transferred()} of ${transfer.byteCount()} bytes $verb", cause
    )
}
