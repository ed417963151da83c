package dev.zerocopy.samples.chat

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import dev.zerocopy.ByteView
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertArrayEquals
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import java.io.ByteArrayOutputStream

/**
 * The chat line reader under hostile bytes arriving in hostile pieces: the lines it hands
 * out, with their endings put back, and the pending bytes it reports at the end, are
 * exactly the input; it stops only at a line over the limit. `mvn verify` runs the
 * committed inputs in `LineReaderFuzzTestInputs/`; `fuzz/run.sh samples LineReaderFuzzTest 60s`
 * fuzzes it.
 */
class LineReaderFuzzTest {

    @FuzzTest
    fun linesReassembleToTheInput(data: FuzzedDataProvider) {
        val maxLine = data.consumeInt(1, 64)
        val pieces = data.consumeInt(1, 16)
        val input = data.consumeRemainingAsBytes()
        var offset = 0
        var calls = 0
        val reader = LineReader({ view ->
            calls++
            if (offset == input.size) {
                -1
            } else {
                val count = minOf(view.size(), (input.size - offset).toLong(), (1 + (calls * 7) % pieces).toLong()).toInt()
                view.buffer().put(input, offset, count)
                offset += count
                count
            }
        }, maxLine)
        val seen = ByteArrayOutputStream()
        runBlocking {
            while (true) {
                when (val read = reader.next()) {
                    is Read.Line -> {
                        assertTrue(read.length <= maxLine)
                        seen.write(read.bytes, read.offset, read.length)
                        // The ending it took off: "\r\n" or "\n", whichever the input had.
                        val end = seen.size()
                        val crlf = end < input.size - 1 && input[end] == '\r'.code.toByte() && input[end + 1] == '\n'.code.toByte()
                        seen.write(if (crlf) byteArrayOf('\r'.code.toByte(), '\n'.code.toByte()) else byteArrayOf('\n'.code.toByte()))
                    }
                    is Read.TooLong -> {
                        val lineEnd = input.indexOfFirstFrom(seen.size(), '\n'.code.toByte())
                        val length = (if (lineEnd < 0) input.size else lineEnd) - seen.size()
                        assertTrue(length > maxLine || (lineEnd < 0 && length >= maxLine), "a line of $length bytes is not over $maxLine")
                        return@runBlocking
                    }
                    is Read.End -> {
                        assertEquals(input.size - seen.size(), read.pending)
                        seen.write(input, seen.size(), read.pending)
                        assertArrayEquals(input, seen.toByteArray())
                        return@runBlocking
                    }
                }
            }
        }
    }

    private fun ByteArray.indexOfFirstFrom(from: Int, byte: Byte): Int {
        for (i in from until size) if (this[i] == byte) return i
        return -1
    }
}
