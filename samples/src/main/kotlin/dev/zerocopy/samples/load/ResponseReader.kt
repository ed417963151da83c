package dev.zerocopy.samples.load

import dev.zerocopy.ByteView
import dev.zerocopy.EndOfStreamException
import dev.zerocopy.ktor.recvInto
import dev.zerocopy.ktor.recvSome
import io.ktor.http.cio.Response
import io.ktor.http.cio.parseResponse
import io.ktor.network.sockets.Socket
import io.ktor.utils.io.ByteReadChannel
import java.net.ProtocolException

/** The most bytes a response head may take. */
private const val MAX_HEAD_BYTES = 16 * 1024

/**
 * Reads HTTP/1.1 responses from a socket with the adapter alone, one request outstanding
 * at a time: the head with `recvSome` into a small buffer until its blank line, parsed by
 * ktor-http-cio's `parseResponse`; the body with `recvInto` straight into the caller's view.
 *
 * Ktor's read channel would copy every body byte through its own buffer in 8 KiB
 * segments, which made the client, not the server, the bottleneck of a load run. Here
 * only the few body bytes that arrive with the head are copied.
 */
internal class ResponseReader(private val socket: Socket) {
    private val head = ByteView.allocateDirect(MAX_HEAD_BYTES.toLong())

    /** Bytes after the head that arrived with it: the start of the body. */
    private var early: ByteView = ByteView.empty()

    /**
     * Reads the next response head, which the caller must `release()`.
     *
     * @throws EndOfStreamException if the server closes the connection first
     * @throws ProtocolException if the head passes 16 KiB
     */
    suspend fun readHead(): Response {
        var filled = 0
        var end = -1
        while (end < 0) {
            if (filled.toLong() == head.size()) throw ProtocolException("response head passes $MAX_HEAD_BYTES bytes")
            val read = socket.recvSome(head.slice(filled.toLong(), head.size()))
            if (read < 0) throw EndOfStreamException(filled.toLong(), MAX_HEAD_BYTES.toLong(), "bytes of a response head (the server closed)")
            end = blankLine(maxOf(0, filled - 3), filled + read)
            filled += read
        }
        early = head.slice(end.toLong(), filled.toLong())
        val response = parseResponse(ByteReadChannel(head.slice(0, end.toLong()).toByteArray()))
        return response ?: throw EndOfStreamException(0, end.toLong(), "bytes of a response head")
    }

    /**
     * Fills [body] with the response body: first the bytes that came with the head, then the
     * rest received into the view directly.
     *
     * @throws ProtocolException if more bytes came with the head than the body holds
     * @throws EndOfStreamException if the connection ends first
     */
    suspend fun readBody(body: ByteView) {
        if (early.size() > body.size()) {
            throw ProtocolException("${early.size()} bytes followed a head that announced a ${body.size()}-byte body")
        }
        body.buffer().put(early.buffer())
        val rest = body.slice(early.size())
        early = ByteView.empty()
        socket.recvInto(rest)
    }

    /** Returns the index just after the first CRLFCRLF in [from, to) of the head buffer, or -1. */
    private fun blankLine(from: Int, to: Int): Int {
        for (i in from..to - 4) {
            if (head.get(i.toLong()) == CR && head.get(i + 1L) == LF && head.get(i + 2L) == CR && head.get(i + 3L) == LF) return i + 4
        }
        return -1
    }

    private companion object {
        const val CR = '\r'.code.toByte()
        const val LF = '\n'.code.toByte()
    }
}
