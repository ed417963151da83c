package dev.zerocopy.samples.stream

import dev.zerocopy.FileMode
import org.junit.jupiter.api.Assertions.assertEquals
import org.junit.jupiter.api.Assertions.assertTrue
import org.junit.jupiter.api.Test
import org.junit.jupiter.api.assertThrows
import picocli.CommandLine.TypeConversionException
import java.time.Duration

/** The command line's sizes, durations and enum values. */
class UnitsTest {

    @Test
    fun `sizes take binary and decimal units in any case`() {
        assertEquals(1L shl 20, parseByteSize("1MiB"))
        assertEquals(64L shl 10, parseByteSize("64k"))
        assertEquals(3L shl 30, parseByteSize("3 GiB"))
        assertEquals(1_000_000L, parseByteSize("1MB"))
        assertEquals(4096L, parseByteSize("4096"))
        for (bad in listOf("", "MiB", "1.5MiB", "1 parsec", "-1", "99999999999GiB")) {
            assertThrows<TypeConversionException>(bad) { parseByteSize(bad) }
        }
    }

    @Test
    fun `durations take ms, s, m, h, ISO-8601 and bare seconds`() {
        assertEquals(Duration.ofSeconds(30), parseDuration("30s"))
        assertEquals(Duration.ofMillis(500), parseDuration("500ms"))
        assertEquals(Duration.ofMinutes(2), parseDuration("2m"))
        assertEquals(Duration.ofHours(1), parseDuration("1h"))
        assertEquals(Duration.ofMillis(1500), parseDuration("1.5s"))
        assertEquals(Duration.ofSeconds(7), parseDuration("7"))
        assertEquals(Duration.ofSeconds(1), parseDuration("PT1S"))
        for (bad in listOf("", "s", "3 fortnights", "P1X")) {
            assertThrows<TypeConversionException>(bad) { parseDuration(bad) }
        }
    }

    @Test
    fun `durations that overflow or are negative are refused with the value`() {
        for (bad in listOf("100000000000h", "9223372037s", "99999999999999999999999ms", "PT2562047788015216H", "PT-1S")) {
            val error = assertThrows<TypeConversionException>(bad) { parseDuration(bad) }
            assertTrue(error.message!!.startsWith("'$bad' is "), error.message)
        }
        assertEquals(Duration.ofNanos(Long.MAX_VALUE), parseDuration("PT2562047H47M16.854775807S"))
        assertEquals(Duration.ofHours(2562047), parseDuration("2562047h"))
    }

    @Test
    fun `enum options ignore case and take dashes for underscores`() {
        assertEquals(FileMode.ZERO_COPY, FileModeConverter().convert("zero-copy"))
        assertEquals(FileMode.COPY, FileModeConverter().convert("COPY"))
        val error = assertThrows<TypeConversionException> { FileModeConverter().convert("fast") }
        assertEquals("'fast' is not one of auto, zero-copy, copy", error.message)
    }
}
