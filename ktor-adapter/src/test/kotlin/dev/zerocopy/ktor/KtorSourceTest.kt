package dev.zerocopy.ktor

import dev.zerocopy.ktor.internal.KtorSource
import io.kotest.assertions.throwables.shouldThrow
import io.kotest.core.spec.style.FunSpec
import io.kotest.matchers.shouldBe
import io.ktor.utils.io.ByteChannel
import io.ktor.utils.io.ByteReadChannel
import io.ktor.utils.io.writeFully
import java.io.IOException
import java.nio.ByteBuffer

/**
 * Ktor's read channel, reset after the first segment a read takes: `isClosedForRead` turns
 * true, with the reset as its cause, as a socket's channel does when the peer resets it while
 * the adapter copies out what is buffered.
 */
private class ResetAfterFirstSegment(private val inner: ByteChannel) : ByteReadChannel by inner {
    private var checks = 0
    override val isClosedForRead: Boolean get() = ++checks > 1 || inner.isClosedForRead
    override val closedCause: Throwable? get() = if (checks > 1) IOException("Connection reset") else inner.closedCause
}

class KtorSourceTest : FunSpec({

    test("bytes taken before a reset are returned by that read, and the next read reports the reset") {
        // The frame fault test over Ktor's channel once reported "failed after 0 of 49152 bytes
        // received" with bytes already in the view: the read threw and its first segment went uncounted.
        val inner = ByteChannel()
        val bytes = randomBytes(20_000, 11)
        inner.writeFully(bytes)
        inner.flush()
        val source = KtorSource(ResetAfterFirstSegment(inner), "test channel")
        val into = ByteBuffer.allocate(bytes.size)

        val first = source.read(into)

        (first > 0) shouldBe true
        first shouldBe into.position()
        into.array().copyOf(first) shouldBe bytes.copyOf(first)
        shouldThrow<IOException> { source.read(into) }.message shouldBe "Connection reset"
        into.position() shouldBe first
    }
})
