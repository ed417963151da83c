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
        val overhead = LiveStreams.STREAM_OVERHEAD
        val streams = LiveStreams(1000 + 2 * overhead)
        val a = streams.open("a", 600)
        assertSame(a, streams.open("a", 600))
        assertEquals(Status.CONFLICT, assertThrows<HttpError> { streams.open("a", 601) }.status)
        val tooBig = assertThrows<HttpError> { streams.open("b", 401) }
        assertEquals(Status.CONTENT_TOO_LARGE, tooBig.status)
        assertTrue(tooBig.message!!.contains("only ${400 + overhead} of the ${1000 + 2 * overhead}-byte live limit are free"), tooBig.message)
        streams.release(a)
        streams.release(a)
        assertTrue(streams.delete("a"))
        assertFalse(streams.delete("a"))
        assertEquals(1000 + overhead, streams.open("b", 1000 + overhead).total)
    }

    @Test
    fun `empty streams are charged and their number is capped`() {
        val budget = LiveStreams(10 * LiveStreams.STREAM_OVERHEAD, maxStreams = 1000)
        repeat(10) { budget.release(budget.open("e$it", 0)) }
        val overBudget = assertThrows<HttpError> { budget.open("e10", 0) }
        assertEquals(Status.CONTENT_TOO_LARGE, overBudget.status)
        assertEquals(10 * LiveStreams.STREAM_OVERHEAD, budget.used())

        val capped = LiveStreams(1L shl 30, maxStreams = 3)
        repeat(3) { capped.release(capped.open("c$it", 0)) }
        val overCap = assertThrows<HttpError> { capped.open("c3", 0) }
        assertEquals(Status.CONTENT_TOO_LARGE, overCap.status)
        assertTrue(overCap.message!!.contains("limit of 3 live streams"), overCap.message)
        assertTrue(capped.delete("c0"))
        capped.release(capped.open("c3", 0))
    }

    @Test
    fun `a deleted stream's bytes return to the budget only when its last holder lets go`() {
        val charge = 1000 + LiveStreams.STREAM_OVERHEAD
        val streams = LiveStreams(charge)
        val upload = streams.open("s", 1000)
        val reader = streams.get("s")!!
        assertTrue(streams.delete("s"))
        assertEquals(charge, streams.used())
        assertEquals(Status.CONTENT_TOO_LARGE, assertThrows<HttpError> { streams.open("t", 1000) }.status)

        streams.release(upload)
        assertEquals(charge, streams.used(), "a reader still holds it")
        streams.release(reader)
        assertEquals(0, streams.used())
        streams.release(streams.open("t", 1000))
    }

    @Test
    fun `names are one plain segment`() {
        assertTrue(LiveStreams.isValidName("cam-1.webm"))
        for (name in listOf("", ".", "..", ".hidden", "a/b", "a b", "x".repeat(129))) {
            assertFalse(LiveStreams.isValidName(name), name)
        }
    }
}
