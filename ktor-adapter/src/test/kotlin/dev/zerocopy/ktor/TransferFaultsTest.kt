package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.TransferException
import dev.zerocopy.testing.Cpu
import dev.zerocopy.testing.FaultProxy
import dev.zerocopy.testing.FaultProxy.Direction
import dev.zerocopy.testing.FaultProxy.Faults
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.network.selector.SelectorManager
import io.ktor.network.sockets.Socket
import io.ktor.network.sockets.aSocket
import io.ktor.network.sockets.openReadChannel
import io.ktor.network.sockets.openWriteChannel
import io.ktor.network.sockets.toJavaAddress
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.coroutineScope
import kotlinx.coroutines.future.await
import kotlinx.coroutines.withTimeout
import java.io.IOException
import java.net.InetSocketAddress
import kotlin.time.Duration.Companion.seconds

/**
 * The adapter's transfer contract through a faulty network (core's [FaultProxy]), for
 * each way of driving it: the socket's NIO channel, Ktor's channels, and the futures of
 * [SocketFutures]; with the fault in either direction. Every byte that arrives is the byte
 * sent, in place; a transfer completes or fails with its counts; a stall is waited out
 * without spinning.
 */
class TransferFaultsTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    for (driver in Driver.entries) {
        for (direction in Direction.entries) {
            for (fault in Fault.entries) {
                test("$driver, $direction, $fault: nothing lost or duplicated, failures carry their counts, no spin") {
                    withTimeout(60.seconds) {
                        runThroughFault(selector, driver, direction, fault)
                    }
                }
            }
        }
    }
})

private const val SIZE = 48 shl 10
private const val AT = 20_000L
private const val STALL_MILLIS = 400L

private enum class Fault(val faults: Faults) {
    ONE_BYTE_WRITES(Faults.NONE.withOneByteWrites()),
    DELAYED(Faults.NONE.withDelay(2)),
    STALLED(Faults.NONE.withStall(AT, STALL_MILLIS)),
    HALF_CLOSED(Faults.NONE.withHalfClose(AT)),
    RESET(Faults.NONE.withReset(AT)),
}

/** One way of driving transfers on a connected socket. */
private enum class Driver {
    SOCKET {
        override suspend fun send(socket: Socket, view: ByteView) = socket.sendFrom(view)
        override suspend fun recv(socket: Socket, view: ByteView) = socket.recvInto(view)
    },
    CHANNEL {
        override suspend fun send(socket: Socket, view: ByteView) = socket.openWriteChannel().sendFrom(view)
        override suspend fun recv(socket: Socket, view: ByteView) = socket.openReadChannel().recvInto(view)
    },
    FUTURES {
        override suspend fun send(socket: Socket, view: ByteView): Long = SocketFutures.sendFrom(socket, view).await()
        override suspend fun recv(socket: Socket, view: ByteView): Long = SocketFutures.recvInto(socket, view).await()
    };

    abstract suspend fun send(socket: Socket, view: ByteView): Long
    abstract suspend fun recv(socket: Socket, view: ByteView): Long
}

private suspend fun runThroughFault(selector: SelectorManager, driver: Driver, direction: Direction, fault: Fault) {
    val payload = randomBytes(SIZE, fault.ordinal * 10L + direction.ordinal)
    listen(selector).use { listener ->
        FaultProxy.start(listener.localAddress.toJavaAddress() as InetSocketAddress, direction, fault.faults).use { proxy ->
            coroutineScope {
                val accepted = async { listener.accept() }
                aSocket(selector).tcp().connect("127.0.0.1", proxy.address().port).use { client ->
                    accepted.await().use { server ->
                        val (sink, source) = if (direction == Direction.TO_TARGET) client to server else server to client
                        val into = ByteView.allocate(SIZE)
                        val cpuBefore = Cpu.allThreadsNanos()
                        val wallBefore = System.nanoTime()
                        val sender = async(Dispatchers.Default) {
                            runCatching { driver.send(sink, ByteView.wrap(payload).readOnly()) }
                        }
                        val received = runCatching { driver.recv(source, into) }
                        val cpu = Cpu.allThreadsNanos() - cpuBefore
                        val wall = System.nanoTime() - wallBefore
                        val failure = received.exceptionOrNull()

                        when (fault) {
                            Fault.ONE_BYTE_WRITES, Fault.DELAYED, Fault.STALLED -> {
                                received.getOrThrow() shouldBe SIZE.toLong()
                                into shouldBe ByteView.wrap(payload)
                                sender.await().getOrThrow() shouldBe SIZE.toLong()
                            }
                            Fault.HALF_CLOSED -> {
                                val ended = failure as? EndOfStreamException ?: throw AssertionError("expected an end of stream", failure)
                                ended.transferred() shouldBe AT
                                ended.byteCount() shouldBe SIZE.toLong()
                                assertPrefix(payload, into, AT.toInt())
                                senderCompletesOrCarriesItsCounts(sender.await())
                            }
                            Fault.RESET -> {
                                // Ktor's channel may see the reset as its reader's failure or as an end of stream.
                                val (transferred, byteCount) = when (failure) {
                                    is TransferException -> failure.transferred() to failure.byteCount()
                                    is EndOfStreamException -> failure.transferred() to failure.byteCount()
                                    else -> throw AssertionError("expected a failure with counts", failure)
                                }
                                (transferred <= AT) shouldBe true
                                byteCount shouldBe SIZE.toLong()
                                assertPrefix(payload, into, transferred.toInt())
                                senderCompletesOrCarriesItsCounts(sender.await())
                            }
                        }
                        if (fault == Fault.STALLED) {
                            if (wall < STALL_MILLIS * 1_000_000) throw AssertionError("the stall was not waited out: ${wall / 1_000_000} ms")
                            if (cpu >= wall / 2) {
                                throw AssertionError("a stalled transfer used ${cpu / 1_000_000} ms of CPU in ${wall / 1_000_000} ms: it spins")
                            }
                        }
                    }
                }
            }
        }
    }
}

private fun assertPrefix(payload: ByteArray, into: ByteView, count: Int) {
    into.slice(0, count.toLong()) shouldBe ByteView.wrap(payload).slice(0, count.toLong())
    into.slice(count.toLong()) shouldBe ByteView.allocate(SIZE - count)
}

/** A sender whose peer went away may have finished into its socket buffer, or fails with its counts. */
private fun senderCompletesOrCarriesItsCounts(sent: Result<Long>) {
    val failure = sent.exceptionOrNull() ?: return sent.getOrThrow().let { it shouldBe SIZE.toLong() }
    val counted = failure as? TransferException
        ?: throw AssertionError("a failed send must carry its counts", failure)
    counted.byteCount() shouldBe SIZE.toLong()
    (counted.transferred() <= SIZE) shouldBe true
}
