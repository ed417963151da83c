package dev.zerocopy.samples.stream

import com.code_intelligence.jazzer.api.FuzzedDataProvider
import com.code_intelligence.jazzer.junit.FuzzTest
import io.ktor.utils.io.ByteReadChannel
import kotlinx.coroutines.runBlocking
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue

/**
 * The stream server's parsers under hostile input: each returns a value that keeps its
 * promises or refuses with an [HttpError], never another exception. `mvn verify` runs the
 * committed inputs in `HttpParsersFuzzTestInputs/`; `fuzz/run.sh samples
 * 'HttpParsersFuzzTest#rangeHeaders' 60s` fuzzes one of them.
 */
class HttpParsersFuzzTest {

    @FuzzTest
    fun rangeHeaders(data: FuzzedDataProvider) {
        val size = data.consumeLong(0, Long.MAX_VALUE)
        val header = data.consumeRemainingAsString()
        val range = try {
            resolveRange(header, size)
        } catch (refused: HttpError) {
            return
        } ?: return
        assertTrue(range.first in 0..range.last && range.last < size, "$range of $size for '$header'")
    }

    @FuzzTest
    fun liveContentRanges(data: FuzzedDataProvider) {
        val contentLength = data.consumeLong(0, Long.MAX_VALUE)
        val header = data.consumeRemainingAsString()
        val put = try {
            resolvePutRange(header, contentLength)
        } catch (refused: HttpError) {
            return
        } ?: return
        assertEquals(contentLength, put.range.count, "'$header'")
        assertTrue(put.range.last < put.total, "$put for '$header'")
    }

    @FuzzTest
    fun requestHeads(head: ByteArray) {
        val request = try {
            runBlocking { readRequest(ByteReadChannel(head)) }
        } catch (refused: HttpError) {
            return
        } ?: return
        try {
            assertTrue(request.method.value.isNotEmpty())
        } finally {
            request.release()
        }
    }

    @FuzzTest
    fun byteSizesAndDurations(data: FuzzedDataProvider) {
        val text = data.consumeRemainingAsString()
        val size = try {
            parseByteSize(text)
        } catch (refused: picocli.CommandLine.TypeConversionException) {
            null
        }
        assertTrue(size == null || size >= 0, "'$text' read as $size bytes")
        try {
            parseDuration(text)
        } catch (refused: picocli.CommandLine.TypeConversionException) {
            // refused with a message: the documented outcome
        }
    }
}
