package dev.zerocopy.ktor

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.FileTransfer
import dev.zerocopy.Frames
import dev.zerocopy.TransferException
import dev.zerocopy.testing.Cpu
import dev.zerocopy.testing.FaultProxy
import dev.zerocopy.testing.FaultProxy.Direction
import dev.zerocopy.testing.FaultProxy.Faults
import io.kotest.assertions.withClue
import io.kotest.core.spec.style.FunSpec
import io.kotest.engine.spec.tempdir
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
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import java.io.IOException
import java.net.InetSocketAddress
import java.nio.channels.FileChannel
import java.nio.file.Files
import java.nio.file.Path
import java.nio.file.StandardOpenOption
import kotlin.time.Duration.Companion.seconds

/**
 * The adapter's transfer contract through a faulty network (core's [FaultProxy]), for
 * each way of driving it: the socket's NIO channel, Ktor's channels, and the futures of
 * [SocketFutures]; for each operation (views, frames, files); with the fault in either
 * direction. Every byte that arrives is the byte
 * sent, in place; a transfer completes or fails with its counts; a stall is waited out
 * without spinning.
 */
class TransferFaultsTest : FunSpec({

    val selector = SelectorManager(Dispatchers.Default)
    afterSpec { selector.close() }

    for (operation in Operation.entries) {
        for (driver in Driver.entries) {
            for (direction in Direction.entries) {
                for (fault in Fault.entries) {
                    test("$operation, $driver, $direction, $fault: nothing lost or duplicated, failures carry their counts, no spin") {
                        withTimeout(60.seconds) {
                            runThroughFault(selector, operation, driver, direction, fault, tempdir().toPath())
                        }
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

/** What moves through the proxy: [SIZE] payload bytes, after [header] bytes of framing. */
private enum class Operation(val header: Int) {
    /** `sendFrom` / `recvInto`. */
    VIEW(0),

    /** `sendFrame` / `recvFrame`: the sender counts the 8-byte header, the receiver only the payload. */
    FRAME(Frames.HEADER_SIZE),

    /** `sendFile` / `recvFile`, file to file. */
    FILE(0),
}

/** One way of driving transfers on a connected socket, for each [Operation]. */
private enum class Driver {
    SOCKET {
        override suspend fun sendFrom(socket: Socket, view: ByteView) = socket.sendFrom(view)
        override suspend fun recvInto(socket: Socket, view: ByteView) = socket.recvInto(view)
        override suspend fun sendFrame(socket: Socket, view: ByteView) = socket.sendFrame(view)
        override suspend fun recvFrame(socket: Socket, into: ByteView) = socket.recvFrame(into)
        override suspend fun sendFile(socket: Socket, file: Path) = socket.sendFile(file)
        override suspend fun recvFile(socket: Socket, file: FileChannel, count: Long) = socket.recvFile(file, 0, count)
    },
    CHANNEL {
        override suspend fun sendFrom(socket: Socket, view: ByteView) = socket.openWriteChannel().sendFrom(view)
        override suspend fun recvInto(socket: Socket, view: ByteView) = socket.openReadChannel().recvInto(view)
        override suspend fun sendFrame(socket: Socket, view: ByteView) = socket.openWriteChannel().sendFrame(view)
        override suspend fun recvFrame(socket: Socket, into: ByteView) = socket.openReadChannel().recvFrame(into)
        override suspend fun sendFile(socket: Socket, file: Path) = socket.openWriteChannel().sendFile(file)
        override suspend fun recvFile(socket: Socket, file: FileChannel, count: Long) = socket.openReadChannel().recvFile(file, 0, count)
    },
    FUTURES {
        override suspend fun sendFrom(socket: Socket, view: ByteView): Long = SocketFutures.sendFrom(socket, view).await()
        override suspend fun recvInto(socket: Socket, view: ByteView): Long = SocketFutures.recvInto(socket, view).await()
        override suspend fun sendFrame(socket: Socket, view: ByteView): Long = SocketFutures.sendFrame(socket, view).await()
        override suspend fun recvFrame(socket: Socket, into: ByteView): ByteView = SocketFutures.recvFrame(socket, into).await()
        override suspend fun sendFile(socket: Socket, file: Path): FileTransfer = SocketFutures.sendFile(socket, file).await()
        override suspend fun recvFile(socket: Socket, file: FileChannel, count: Long): FileTransfer =
            SocketFutures.recvFile(socket, file, 0, count).await()
    };

    abstract suspend fun sendFrom(socket: Socket, view: ByteView): Long
    abstract suspend fun recvInto(socket: Socket, view: ByteView): Long
    abstract suspend fun sendFrame(socket: Socket, view: ByteView): Long
    abstract suspend fun recvFrame(socket: Socket, into: ByteView): ByteView
    abstract suspend fun sendFile(socket: Socket, file: Path): FileTransfer
    abstract suspend fun recvFile(socket: Socket, file: FileChannel, count: Long): FileTransfer

    /** Sends [payload] (also in [file]) by [operation]; returns the bytes sent, framing included. */
    suspend fun send(operation: Operation, socket: Socket, payload: ByteView, file: Path): Long = when (operation) {
        Operation.VIEW -> sendFrom(socket, payload)
        Operation.FRAME -> sendFrame(socket, payload)
        Operation.FILE -> sendFile(socket, file).transferred()
    }

    /** Receives [SIZE] payload bytes by [operation] into [into] (through [file] for files); returns the payload bytes received. */
    suspend fun recv(operation: Operation, socket: Socket, into: ByteView, file: Path): Long = when (operation) {
        Operation.VIEW -> recvInto(socket, into)
        Operation.FRAME -> recvFrame(socket, into).size()
        Operation.FILE -> FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)
            .use { recvFile(socket, it, into.size()).transferred() }
    }
}

private suspend fun runThroughFault(
    selector: SelectorManager, operation: Operation, driver: Driver, direction: Direction, fault: Fault, dir: Path,
) {
    val payload = randomBytes(SIZE, fault.ordinal * 10L + direction.ordinal + operation.ordinal * 100L)
    val sent = Files.write(dir.resolve("sent.bin"), payload)
    val received = dir.resolve("received.bin")
    listen(selector).use { listener ->
        FaultProxy.start(listener.localAddress.toJavaAddress() as InetSocketAddress, direction, fault.faults).use { proxy ->
            coroutineScope {
                val accepted = async { listener.accept() }
                aSocket(selector).tcp().connect("127.0.0.1", proxy.address().port).use { client ->
                    accepted.await().use { server ->
                        val (sink, source) = if (direction == Direction.TO_TARGET) client to server else server to client
                        val into = ByteView.allocate(SIZE)
                        // Everything that drives the transfer runs on the coroutine workers: both sides, the
                        // selector's loop, Ktor's channel jobs, the futures. Only their CPU tells a wait from a
                        // spin; the JVM's whole figure also counts the proxy, the JIT and the GC.
                        val workers = Cpu.meter(Cpu::isCoroutineWorker)
                        val wallBefore = System.nanoTime()
                        val sender = async(Dispatchers.Default) {
                            runCatching { driver.send(operation, sink, ByteView.wrap(payload).readOnly(), sent) }
                        }
                        val outcome = withContext(Dispatchers.Default) { runCatching { driver.recv(operation, source, into, received) } }
                        val cpu = workers.nanos()
                        val wall = System.nanoTime() - wallBefore
                        val failure = outcome.exceptionOrNull()
                        if (operation == Operation.FILE) {
                            val inFile = Files.readAllBytes(received)
                            into.slice(0, inFile.size.toLong()).buffer().put(inFile)
                            val counted = (failure as? TransferException)?.transferred() ?: (failure as? EndOfStreamException)?.transferred()
                            inFile.size.toLong() shouldBe (counted ?: SIZE.toLong())
                        }

                        when (fault) {
                            Fault.ONE_BYTE_WRITES, Fault.DELAYED, Fault.STALLED -> {
                                outcome.getOrThrow() shouldBe SIZE.toLong()
                                into shouldBe ByteView.wrap(payload)
                                sender.await().getOrThrow() shouldBe SIZE.toLong() + operation.header
                            }
                            Fault.HALF_CLOSED -> {
                                val ended = failure as? EndOfStreamException ?: throw AssertionError("expected an end of stream", failure)
                                ended.transferred() shouldBe AT - operation.header
                                ended.byteCount() shouldBe SIZE.toLong()
                                assertPrefix(payload, into, (AT - operation.header).toInt())
                                senderCompletesOrCarriesItsCounts(sender.await(), SIZE.toLong() + operation.header)
                            }
                            Fault.RESET -> {
                                // Ktor's channel may see the reset as its reader's failure or as an end of stream.
                                val (transferred, byteCount) = when (failure) {
                                    is TransferException -> failure.transferred() to failure.byteCount()
                                    is EndOfStreamException -> failure.transferred() to failure.byteCount()
                                    else -> throw AssertionError("expected a failure with counts", failure)
                                }
                                withClue(failure.toString()) {
                                    if (operation == Operation.FRAME && byteCount == Frames.HEADER_SIZE.toLong()) {
                                        // The reset overtook the header: a reset socket's buffered bytes are dropped
                                        // (by the kernel, or by Ktor's channel), so the counts name the header.
                                        (transferred < Frames.HEADER_SIZE) shouldBe true
                                        assertPrefix(payload, into, 0)
                                    } else {
                                        (transferred <= AT - operation.header) shouldBe true
                                        byteCount shouldBe SIZE.toLong()
                                        assertPrefix(payload, into, transferred.toInt())
                                    }
                                }
                                senderCompletesOrCarriesItsCounts(sender.await(), SIZE.toLong() + operation.header)
                            }
                        }
                        if (fault == Fault.STALLED) {
                            if (wall < STALL_MILLIS * 1_000_000) throw AssertionError("the stall was not waited out: ${wall / 1_000_000} ms")
                            // A spinning driver burns most of the stall even when a loaded machine shares the core.
                            if (cpu >= wall / 8) {
                                throw AssertionError(
                                    "a stalled transfer used ${cpu / 1_000_000} ms of the coroutine workers' CPU in " +
                                        "${wall / 1_000_000} ms (${workers.describe()}): it spins",
                                )
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
private fun senderCompletesOrCarriesItsCounts(sent: Result<Long>, byteCount: Long) {
    val failure = sent.exceptionOrNull() ?: return sent.getOrThrow().let { it shouldBe byteCount }
    val counted = failure as? TransferException
        ?: throw AssertionError("a failed send must carry its counts", failure)
    counted.byteCount() shouldBe byteCount
    (counted.transferred() <= byteCount) shouldBe true
}
