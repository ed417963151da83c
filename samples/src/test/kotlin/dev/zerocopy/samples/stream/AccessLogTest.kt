package dev.zerocopy.samples.stream

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Test

/** Access log lines cannot be forged by what a client sends. */
class AccessLogTest {

    /** The fields of a line: `key=value` pairs outside quotes, quoted values unescaped. */
    private fun fields(line: String): List<String> =
        Regex("""(\w+)=("(?:[^"\\]|\\.)*"|\S+)""").findAll(line).map { it.groupValues[1] }.toList()

    @Test
    fun `a quote in the range cannot add fields`() {
        val line = accessLine(
            "/127.0.0.1:1", "GET", "/a", "bytes=0-1\" status=200 bytes=99", 416, 0, "-", "-", 5, "Range 'bytes=0-1\" status=200' is bad",
        )
        assertEquals(listOf("range", "status", "bytes", "mode", "reason", "us", "note"), fields(line), line)
        assertEquals(
            "/127.0.0.1:1 GET /a range=\"bytes=0-1\\\" status=200 bytes=99\" status=416 bytes=0 mode=- reason=- us=5 " +
                "note=\"Range 'bytes=0-1\\\" status=200' is bad\"",
            line,
        )
    }

    @Test
    fun `control characters and line separators are escaped`() {
        val line = accessLine("p", "GET", "/a\r\nGET /forged", "\u0000\u001b[31m\u007f\u0085\u2028\\", 200, 1, "COPY", "FORCED_COPY", 1, null)
        assertFalse(line.any { Character.isISOControl(it) || it == '\u2028' }, line)
        assertEquals("p GET /a\\x0d\\x0aGET /forged range=\"\\x00\\x1b[31m\\x7f\\x85\\u2028\\\\\" status=200 bytes=1 mode=COPY reason=FORCED_COPY us=1", line)
    }

    @Test
    fun `plain text is kept as it is`() {
        assertEquals("bytes=0-99, ünïcode", escapeForLog("bytes=0-99, ünïcode"))
    }
}
