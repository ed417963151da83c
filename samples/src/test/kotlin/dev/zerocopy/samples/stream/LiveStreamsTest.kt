package dev.zerocopy.samples.stream

import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertFalse
import org.junit.jupiter.api.Assertions.assertNull
import org.junit.jupiter.api.Assertions.assertSame
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows

/** Reservations, arrivals and the visible prefix of live streams; the budget they share. */
class LiveStreamsTest {

    @Test
    fun `only the run that arrived from offset 0 is visible`() {
        val stream = LiveStream("s", 100)
        assertNull(stream.reserve(50, 100))
        stream.commit(50, 100)
        assertEquals(0, stream.available())
        assertNull(stream.reserve(0, 20))
        assertNull(stream.reserve(20, 50))
        stream.commit(0, 20)
        assertEquals(20, stream.available())
        stream.commit(20, 50)
        assertEquals(100, stream.available())
    }

    @Test
    fun `overlapping arrived or reserved bytes is refused and names them`() {
        val stream = LiveStream("s", 100)
        assertNull(stream.reserve(0, 10))
        stream.commit(0, 10)
        assertNull(stream.reserve(40, 60))
        assertEquals("bytes 5-14 overlap bytes 0-9 that already arrived", stream.reserve(5, 15))
        assertEquals("bytes 30-40 overlap bytes 40-59 being uploaded now", stream.reserve(30, 41))
        assertEquals("bytes 59-59 overlap bytes 40-59 being uploaded now", stream.reserve(59, 60))
        assertNull(stream.reserve(10, 40))
        assertNull(stream.reserve(60, 100))
    }

    @Test
    fun `a released reservation leaves nothing visible and can be taken again`() {
        val stream = LiveStream("s", 100)
        assertNull(stream.reserve(0, 100))
        stream.release(0, 100)
        assertEquals(0, stream.available())
        assertNull(stream.reserve(0, 100))
        stream.commit(0, 100)
        assertEquals(100, stream.available())
    }

    @Test
    fun `streams share the budget and keep their declared total`() {
        val streams = LiveStreams(1000)
        val a = streams.open("a", 600)
        assertSame(a, streams.open("a", 600))
        assertEquals(Status.CONFLICT, assertThrows<HttpError> { streams.open("a", 601) }.status)
        val tooBig = assertThrows<HttpError> { streams.open("b", 401) }
        assertEquals(Status.CONTENT_TOO_LARGE, tooBig.status)
        assertTrue(tooBig.message!!.contains("only 400 of the 1000-byte live limit are free"), tooBig.message)
        assertTrue(streams.delete("a"))
        assertFalse(streams.delete("a"))
        assertEquals(1000, streams.open("b", 1000).total)
    }

    @Test
    fun `names are one plain segment`() {
        assertTrue(LiveStreams.isValidName("cam-1.webm"))
        for (name in listOf("", ".", "..", ".hidden", "a/b", "a b", "x".repeat(129))) {
            assertFalse(LiveStreams.isValidName(name), name)
        }
    }
}
