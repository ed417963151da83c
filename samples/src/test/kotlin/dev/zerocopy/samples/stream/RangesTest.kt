package dev.zerocopy.samples.stream

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** The `Range` and `Content-Range` rules, without a socket. */
class RangesTest {

    private fun rejected(header: String, size: Long): HttpError = assertThrows { resolveRange(header, size) }

    @Test
    fun `the three range forms resolve against the size`() {
        assertEquals(ByteRange(0, 99), resolveRange("bytes=0-99", 1000))
        assertEquals(ByteRange(900, 999), resolveRange("bytes=900-", 1000))
        assertEquals(ByteRange(990, 999), resolveRange("bytes=-10", 1000))
        assertEquals(ByteRange(0, 999), resolveRange("bytes=-5000", 1000))
        assertEquals(ByteRange(5, 5), resolveRange(" Bytes = 5-5 ", 1000))
        assertEquals("bytes 0-99/1000", ByteRange(0, 99).contentRange(1000))
    }

    @Test
    fun `a last byte past the end is cut at the end, even one too long for a Long`() {
        assertEquals(ByteRange(10, 999), resolveRange("bytes=10-5000", 1000))
        assertEquals(ByteRange(10, 999), resolveRange("bytes=10-99999999999999999999999", 1000))
    }

    @Test
    fun `no header or another unit means the whole representation`() {
        assertNull(resolveRange(null, 1000))
        assertNull(resolveRange("items=0-5", 1000))
    }

    @Test
    fun `unsatisfiable ranges are 416 with the size in Content-Range`() {
        for ((header, size) in listOf("bytes=1000-" to 1000L, "bytes=-0" to 1000L, "bytes=0-0" to 0L, "bytes=99999999999999999999-" to 1000L)) {
            val error = rejected(header, size)
            assertEquals(Status.RANGE_NOT_SATISFIABLE, error.status, header)
            assertEquals(listOf("Content-Range" to "bytes */$size"), error.headers, header)
        }
    }

    @Test
    fun `several ranges are 416 and name how many`() {
        val error = rejected("bytes=0-1, 4-5, 8-", 1000)
        assertEquals(Status.RANGE_NOT_SATISFIABLE, error.status)
        assertTrue(error.message!!.contains("3 ranges"), error.message)
    }

    @Test
    fun `malformed ranges are 400`() {
        for (header in listOf("bytes=abc", "bytes=9-2", "bytes=", "bytes=-", "bytes=1-2-3", "bytes0-1", "bytes=0-1,x")) {
            assertEquals(Status.BAD_REQUEST, rejected(header, 1000).status, header)
        }
    }

    @Test
    fun `a live PUT's Content-Range must lie inside its total and match its length`() {
        assertEquals(PutRange(ByteRange(100, 199), 1000), resolvePutRange("bytes 100-199/1000", 100))
        assertEquals(PutRange(ByteRange(0, 41), 42), resolvePutRange(null, 42))
        assertNull(resolvePutRange(null, 0))
        val past = assertThrows<HttpError> { resolvePutRange("bytes 900-1099/1000", 200) }
        assertEquals(Status.BAD_REQUEST, past.status)
        assertTrue(past.message!!.contains("outside the declared total of 1000"), past.message)
        val mismatch = assertThrows<HttpError> { resolvePutRange("bytes 0-99/1000", 99) }
        assertTrue(mismatch.message!!.contains("covers 100 bytes but Content-Length is 99"), mismatch.message)
        for (header in listOf("bytes 5-/10", "bytes 5-4/10", "bytes */10", "items 0-1/2")) {
            assertEquals(Status.BAD_REQUEST, assertThrows<HttpError> { resolvePutRange(header, 2) }.status, header)
        }
    }

    @Test
    fun `request targets decode to plain segments or are refused`() {
        assertEquals(listOf("a b", "c.mp4"), pathSegments("/a%20b/c.mp4?t=10#x"))
        assertEquals(listOf("..", "x"), pathSegments("/%2e%2E/x"))
        assertEquals(listOf("a/b"), pathSegments("/a%2fb"))
        assertEquals(emptyList<String>(), pathSegments("/"))
        // Absolute form (RFC 9112, section 3.2.2): the scheme and authority are dropped.
        assertEquals(listOf("x", "y"), pathSegments("http://host:8080/x/y?q"))
        assertEquals(emptyList<String>(), pathSegments("HTTPS://host"))
        assertEquals(emptyList<String>(), pathSegments("http://host?q=1"))
        assertEquals(listOf("..", "etc"), pathSegments("http://h/%2e%2e/etc"))
        for (target in listOf("x", "*", "ftp://host/x", "http:/x", "/bad%zz", "/half%2", "/%ff", "http://h/%zz")) {
            assertEquals(Status.BAD_REQUEST, assertThrows<HttpError> { pathSegments(target) }.status, target)
        }
        assertTrue(ContentRoot.isPlainName("clip.webm"))
        for (segment in listOf("", ".", "..", "a/b", "a\\b", "a\u0000b")) {
            assertTrue(!ContentRoot.isPlainName(segment), segment)
        }
    }
}
