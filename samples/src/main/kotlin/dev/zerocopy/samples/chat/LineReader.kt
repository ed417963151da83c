package dev.zerocopy.samples.chat

import dev.zerocopy.ByteView
import dev.zerocopy.ktor.recvSome
import io.ktor.network.sockets.Socket

/** One step of reading a socket line by line. */
internal sealed interface Read {

    /** A complete line: [length] bytes at [offset] of [bytes], without its `\n` or `\r\n`; valid until the next read. */
    class Line(val bytes: ByteArray, val offset: Int, val length: Int) : Read

    /** A line longer than the limit; the reader cannot continue after it. */
    class TooLong(val limit: Int) : Read

    /** The peer closed; [pending] bytes of an unfinished line were discarded. */
    class End(val pending: Int) : Read
}

/**
 * Splits what a Ktor socket receives into lines ending in `\n` or `\r\n` (so `nc` and
 * `telnet` both work), each at most [maxLine] bytes without its ending. Bytes are
 * received with the adapter's `recvSome` straight into one array of `maxLine + 2`
 * bytes; a line is handed out in place, never copied.
 *
 * [recvSome] receives into the view it is given as the adapter's `recvSome` does (at
 * least one byte, or -1 at the end); the fuzz test feeds it bytes without a socket.
 *
 * Not thread-safe: one coroutine reads.
 */
internal class LineReader(private val recvSome: suspend (ByteView) -> Int, private val maxLine: Int) {

    constructor(socket: Socket, maxLine: Int) : this({ view -> socket.recvSome(view) }, maxLine)

    private val bytes = ByteArray(maxLine + 2)
    private val view = ByteView.wrap(bytes)

    /** First byte of the line being read. */
    private var start = 0

    /** End of the bytes received. */
    private var end = 0

    /** Where the search for `\n` resumes: bytes before it are known not to be one. */
    private var scanned = 0

    /**
     * Returns the next line, or why there is none, suspending until enough bytes arrive.
     *
     * @throws java.io.IOException if the socket fails
     */
    suspend fun next(): Read {
        while (true) {
            val newline = indexOfNewline()
            if (newline >= 0) {
                val lineEnd = if (newline > start && bytes[newline - 1] == CR) newline - 1 else newline
                val line = Read.Line(bytes, start, lineEnd - start)
                start = newline + 1
                scanned = start
                return if (line.length > maxLine) Read.TooLong(maxLine) else line
            }
            scanned = end
            if (start == end) {
                start = 0
                end = 0
                scanned = 0
            } else if (end == bytes.size) {
                // A full buffer with no newline in it holds more than maxLine bytes of one line.
                if (start == 0) return Read.TooLong(maxLine)
                // Move the unfinished line to the front: a copy of at most one partial line,
                // and only when lines straddle the end of the buffer.
                System.arraycopy(bytes, start, bytes, 0, end - start)
                end -= start
                scanned -= start
                start = 0
            }
            val received = recvSome(view.slice(end.toLong()))
            if (received < 0) return Read.End(end - start)
            end += received
        }
    }

    private fun indexOfNewline(): Int {
        for (i in scanned until end) {
            if (bytes[i] == LF) return i
        }
        return -1
    }

    private companion object {
        const val LF = '\n'.code.toByte()
        const val CR = '\r'.code.toByte()
    }
}
