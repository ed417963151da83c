package dev.zerocopy.samples.stream

import dev.zerocopy.ByteView
import java.util.TreeMap

/**
 * One live stream: a direct view of its declared total size, preallocated on the first
 * `PUT`, that chunks are received straight into at their offsets (the seed's `recv_into`
 * a `bytearray` at an offset).
 *
 * Readers see only the contiguous prefix that has arrived, like a file that grows: a chunk
 * beyond a gap becomes visible when the gap fills. A chunk is received into a range that
 * is first reserved (so no two uploads write the same bytes) and becomes visible only when
 * it is complete; a range that arrived once is never written again, so a slice handed to
 * a reader never changes under it. Thread-safe.
 */
internal class LiveStream(val name: String, val total: Long) {

    /** The stream's bytes; only [reserve]d ranges are written, only the [available] prefix is read. */
    val view: ByteView = ByteView.allocateDirect(total)

    /** Received runs, start to end (exclusive), merged when they touch. */
    private val arrived = TreeMap<Long, Long>()

    /** Ranges being received now, start to end (exclusive). */
    private val reserved = TreeMap<Long, Long>()

    /**
     * Claims [from, to) for one upload, or returns why not: it overlaps bytes that arrived
     * or another upload in progress.
     */
    @Synchronized
    fun reserve(from: Long, to: Long): String? {
        overlap(arrived, from, to)?.let { return "bytes $from-${to - 1} overlap bytes ${it.first}-${it.second - 1} that already arrived" }
        overlap(reserved, from, to)?.let { return "bytes $from-${to - 1} overlap bytes ${it.first}-${it.second - 1} being uploaded now" }
        reserved[from] = to
        return null
    }

    /** Marks a reserved range as arrived: readers may see it once it joins the prefix. */
    @Synchronized
    fun commit(from: Long, to: Long) {
        check(reserved.remove(from) == to) { "bytes $from-${to - 1} of $name were not reserved" }
        var start = from
        var end = to
        arrived.floorEntry(from)?.takeIf { it.value == from }?.let { start = it.key; arrived.remove(it.key) }
        arrived[to]?.let { end = it; arrived.remove(to) }
        arrived[start] = end
    }

    /** Gives up a reservation whose upload failed; its bytes stay invisible and can be sent again. */
    @Synchronized
    fun release(from: Long, to: Long) {
        reserved.remove(from, to)
    }

    /** The number of bytes readers can see: the run that arrived from offset 0. */
    @Synchronized
    fun available(): Long = arrived[0L] ?: 0L

    private fun overlap(runs: TreeMap<Long, Long>, from: Long, to: Long): Pair<Long, Long>? {
        val before = runs.floorEntry(from)?.takeIf { it.value > from }
        if (before != null) return before.key to before.value
        val after = runs.ceilingEntry(from)?.takeIf { it.key < to }
        return after?.let { it.key to it.value }
    }
}

/**
 * The server's live streams by name, holding together at most [budget] bytes of
 * preallocated memory. Thread-safe.
 */
internal class LiveStreams(private val budget: Long) {
    private val streams = HashMap<String, LiveStream>()
    private var used = 0L

    /** Returns the stream called [name], or null. */
    @Synchronized
    fun get(name: String): LiveStream? = streams[name]

    /**
     * Returns the stream called [name] of [total] bytes, creating it (and its view) if new.
     *
     * @throws HttpError 409 if it exists with another total; 413 if it would not fit the budget
     */
    @Synchronized
    fun open(name: String, total: Long): LiveStream {
        streams[name]?.let { existing ->
            if (existing.total != total) {
                throw HttpError(Status.CONFLICT, "live stream '$name' was declared with ${existing.total} bytes, not $total")
            }
            return existing
        }
        if (total > budget - used) {
            throw HttpError(
                Status.CONTENT_TOO_LARGE,
                "live stream '$name' declares $total bytes, but only ${budget - used} of the $budget-byte live limit are free",
            )
        }
        val stream = try {
            LiveStream(name, total)
        } catch (full: OutOfMemoryError) {
            // Direct memory is below the live limit: refuse this stream, keep serving the rest.
            throw HttpError(Status.SERVICE_UNAVAILABLE, "no memory for live stream '$name' of $total bytes: ${full.message}")
        }
        used += total
        streams[name] = stream
        return stream
    }

    /** Forgets the stream called [name] and frees its share of the budget; false if there was none. */
    @Synchronized
    fun delete(name: String): Boolean {
        val stream = streams.remove(name) ?: return false
        used -= stream.total
        return true
    }

    companion object {

        /** Names are one plain path segment of these characters. */
        private val NAME = Regex("""[A-Za-z0-9][A-Za-z0-9._-]{0,127}""")

        /** Whether [name] is acceptable as a live stream's name. */
        fun isValidName(name: String): Boolean = NAME.matches(name)
    }
}
