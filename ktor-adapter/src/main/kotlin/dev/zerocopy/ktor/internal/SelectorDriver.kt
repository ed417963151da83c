package dev.zerocopy.ktor.internal

import dev.zerocopy.FileTransfer
import dev.zerocopy.Transfer
import dev.zerocopy.TransferTimeoutException
import dev.zerocopy.internal.Counters
import dev.zerocopy.internal.Deadline
import dev.zerocopy.internal.Failures
import dev.zerocopy.internal.Jfr
import dev.zerocopy.internal.Tally
import dev.zerocopy.ktor.TransferCancellationException
import io.ktor.network.selector.SelectInterest
import io.ktor.network.selector.Selectable
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.yield
import java.io.IOException
import java.lang.reflect.Field
import java.lang.reflect.Method
import java.nio.channels.SelectionKey
import java.nio.channels.SocketChannel
import java.time.Duration
import java.util.Collections
import java.util.WeakHashMap
import kotlin.time.Duration.Companion.nanoseconds

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
    return NioSide(selectable, selectable.channel as SocketChannel, selector)
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
 * Ktor's sockets remember the coroutine that serves `openReadChannel()` or
 * `openWriteChannel()` in fields of `SocketBase` that are package-private on the JVM.
 * Reading them is the only way to refuse a second owner before it corrupts the stream;
 * the canary test fails first if a Ktor upgrade renames them.
 */
private val ownerFields: Map<SelectInterest, Field?> = run {
    fun field(name: String): Field? = runCatching {
        Class.forName("io.ktor.network.sockets.SocketBase").getDeclaredField(name).apply { isAccessible = true }
    }.getOrNull()
    // Named for the job's side of Ktor's channel: reading the socket is a WriterJob into the read channel.
    mapOf(SelectInterest.READ to field("writerJob"), SelectInterest.WRITE to field("readerJob"))
}

internal fun checkOwner(socket: Socket, interest: SelectInterest) {
    val field = ownerFields[interest] ?: return
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
internal val ownerCheckAvailable: Boolean get() = ownerFields.values.all { it != null }

/**
 * Sends that were cancelled or failed part way, by socket or Ktor write channel: the peer saw a partial
 * message, so later sends on that socket must fail instead of corrupting the stream.
 */
private val brokenSends: MutableMap<Any, String> = Collections.synchronizedMap(WeakHashMap())

/** @param connection the socket or Ktor write channel that sends */
internal fun checkNotBroken(connection: Any) {
    brokenSends[connection]?.let { throw IOException("the connection is broken for sending: $it") }
}

/** Steps between two cooperative yields: 16 steps are at most 16 MiB (64 MiB for files). */
private const val STEPS_PER_YIELD = 16

/**
 * Steps [transfer] to completion, calling [await] whenever a step moves nothing, then
 * [finish] (a final flush). A send that ends early, [finish] included, after moving some
 * bytes marks [connection] broken. Every IOException leaves here with the transfer's
 * report ([Failures.withCounts]); a cancellation (`withTimeout` included) leaves as a
 * [TransferCancellationException] with it. [timeout] bounds the whole call, and the idle
 * timeout of the transfer's progress bounds each stretch without progress: either ends
 * the call with a [TransferTimeoutException] (counted by [Counters.timedOut]) and leaves
 * the channel open.
 */
internal suspend fun drive(
    connection: Any,
    transfer: Transfer,
    timeout: Duration? = null,
    finish: suspend () -> Unit = {},
    await: suspend () -> Unit,
): Long {
    val sending = transfer.interestOps() == SelectionKey.OP_WRITE
    val start = transfer.transferred()
    val tally = Tally.of(transfer)
    val deadline = if (timeout == null) Deadline.NONE else Deadline.after(timeout)
    val bounded = deadline.isBounded || tally?.idles() == true
    var completed = false
    // A file transfer records its own event, across every driver.
    val event = if (transfer is FileTransfer) null else Jfr.start(if (sending) "send" else "recv")
    try {
        var steps = 0
        while (!transfer.isComplete) {
            val moved = transfer.step()
            if (moved == 0L) {
                if (!transfer.isComplete) {
                    tally?.waited()
                    Counters.waited()
                    if (bounded) awaitWithin(transfer, tally, deadline, await) else await()
                }
            } else {
                if (deadline.isBounded && !transfer.isComplete && deadline.remainingNanos() <= 0) {
                    throw timeout(transfer, tally, deadline)
                }
                if (++steps % STEPS_PER_YIELD == 0) yield()
            }
        }
        if (bounded) awaitWithin(transfer, tally, deadline, finish) else finish()
        completed = true
        return transfer.transferred() - start
    } catch (failure: IOException) {
        throw withCounts(transfer, failure)
    } catch (cancelled: CancellationException) {
        if (cancelled is TransferCancellationException) throw cancelled
        tally?.ended()
        Counters.cancelled()
        val report = transfer.report()
        throw TransferCancellationException(
            "cancelled after ${report.transferred()} of ${report.byteCount()} ${what(transfer)}", report, cancelled
        )
    } finally {
        event?.finish(transfer.report())
        if (!completed && sending && transfer.transferred() > 0) {
            brokenSends.putIfAbsent(
                connection, "a send ended after ${transfer.transferred()} of ${transfer.byteCount()} bytes, " +
                    "so the peer saw a partial message"
            )
        }
    }
}

/** Runs [await] for at most what is left of [deadline] and of the transfer's idle timeout. */
private suspend fun awaitWithin(transfer: Transfer, tally: Tally?, deadline: Deadline, await: suspend () -> Unit) {
    val left = minOf(deadline.remainingNanos(), tally?.idleRemainingNanos() ?: Long.MAX_VALUE)
    if (left <= 0 || withTimeoutOrNull(left.nanoseconds) { await() } == null) {
        throw timeout(transfer, tally, deadline)
    }
}

/** The timeout of [transfer]: its deadline's if that passed, else its idle timeout's. */
private fun timeout(transfer: Transfer, tally: Tally?, deadline: Deadline): TransferTimeoutException {
    tally?.ended()
    Counters.timedOut()
    val report = transfer.report()
    val counts = "${report.transferred()} of ${report.byteCount()} ${what(transfer)}"
    return if (deadline.isBounded && deadline.remainingNanos() <= 0 || tally == null || !tally.idles()) {
        TransferTimeoutException(deadline.timeoutMillis(), report, what(transfer))
    } else {
        TransferTimeoutException("no progress for ${tally.idleTimeoutMillis()} ms (the idle timeout) after $counts", report)
    }
}

private fun what(transfer: Transfer): String =
    if (transfer.interestOps() == SelectionKey.OP_WRITE) "bytes sent" else "bytes received"

/** Steps [transfer] on the socket's own channel, suspending on its selector when it would block. */
internal suspend fun drive(socket: Socket, side: NioSide, transfer: Transfer, timeout: Duration? = null): Long {
    val interest = if (transfer.interestOps() == SelectionKey.OP_WRITE) SelectInterest.WRITE else SelectInterest.READ
    return drive(socket, transfer, timeout) { awaitReady(side, interest) }
}

/**
 * Suspends until the selector reports [interest] for the socket.
 *
 * Ktor 3.6.1 does nothing when a pending select is cancelled: the continuation stays
 * registered, and the next select on that socket fails with "Handler for READ is
 * already registered". Removing it here keeps the socket usable after a cancellation.
 */
internal suspend fun awaitReady(side: NioSide, interest: SelectInterest) {
    val selectable = side.selectable
    selectable.interestOp(interest, true)
    try {
        side.selector.select(selectable, interest)
    } catch (cancelled: CancellationException) {
        selectable.suspensions.removeSuspension(interest)
        throw cancelled
    } finally {
        selectable.interestOp(interest, false)
    }
}

/** [failure] with the counts of [transfer], unless it has them already. */
internal fun withCounts(transfer: Transfer, failure: IOException): IOException =
    Failures.withCounts(transfer, what(transfer), failure)
