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
 * The server's live streams by name: at most [maxStreams] of them, holding together at most
 * [budget] bytes. Each stream is charged its total plus [STREAM_OVERHEAD] for what it costs
 * beyond its bytes, so even empty streams use up the budget.
 *
 * Every [open] and [get] takes a hold on the stream that the caller gives back with
 * [release]. [delete] forgets the name at once, but the stream's charge returns to the
 * budget only when the last holder (an upload still receiving, a reader still sending)
 * lets go: until then its memory is still in use. Thread-safe.
 */
internal class LiveStreams(private val budget: Long, private val maxStreams: Int = DEFAULT_MAX_STREAMS) {
    private val streams = HashMap<String, LiveStream>()
    private val holds = HashMap<LiveStream, Int>()
    private val deleted = HashSet<LiveStream>()
    private var used = 0L

    /** The bytes charged to the budget now, deleted streams still held included. */
    @Synchronized
    fun used(): Long = used

    /** Returns the stream called [name] with a hold on it, or null. */
    @Synchronized
    fun get(name: String): LiveStream? = streams[name]?.also(::hold)

    /**
     * Returns the stream called [name] of [total] bytes with a hold on it, creating it (and
     * its view) if new.
     *
     * @throws HttpError 409 if it exists with another total; 413 if it would not fit the
     *   budget or the number of streams is at its limit
     */
    @Synchronized
    fun open(name: String, total: Long): LiveStream {
        streams[name]?.let { existing ->
            if (existing.total != total) {
                throw HttpError(Status.CONFLICT, "live stream '$name' was declared with ${existing.total} bytes, not $total")
            }
            hold(existing)
            return existing
        }
        if (streams.size >= maxStreams) {
            throw HttpError(Status.CONTENT_TOO_LARGE, "live stream '$name' would pass the limit of $maxStreams live streams")
        }
        val charge = total + STREAM_OVERHEAD
        if (charge > budget - used) {
            throw HttpError(
                Status.CONTENT_TOO_LARGE,
                "live stream '$name' declares $total bytes (+$STREAM_OVERHEAD per stream), but only ${maxOf(0, budget - used)} " +
                    "of the $budget-byte live limit are free",
            )
        }
        val stream = try {
            LiveStream(name, total)
        } catch (full: OutOfMemoryError) {
            // Direct memory is below the live limit: refuse this stream, keep serving the rest.
            throw HttpError(Status.SERVICE_UNAVAILABLE, "no memory for live stream '$name' of $total bytes: ${full.message}")
        }
        used += charge
        streams[name] = stream
        hold(stream)
        return stream
    }

    /** Gives back a hold taken by [open] or [get]; the last one on a deleted stream frees its charge. */
    @Synchronized
    fun release(stream: LiveStream) {
        val left = (holds[stream] ?: error("live stream '${stream.name}' was released more often than held")) - 1
        if (left > 0) {
            holds[stream] = left
            return
        }
        holds.remove(stream)
        if (deleted.remove(stream)) used -= stream.total + STREAM_OVERHEAD
    }

    /**
     * Forgets the stream called [name]; its charge returns to the budget now if nobody holds
     * it, or when the last holder releases it. Returns false if there was none.
     */
    @Synchronized
    fun delete(name: String): Boolean {
        val stream = streams.remove(name) ?: return false
        if (stream in holds) deleted += stream else used -= stream.total + STREAM_OVERHEAD
        return true
    }

    private fun hold(stream: LiveStream) {
        holds.merge(stream, 1, Int::plus)
    }

    companion object {

        /**
         * What a stream costs beyond its bytes, charged to the budget: its objects, name,
         * maps and buffer bookkeeping take about 360 bytes of heap (measured), rounded up.
         */
        const val STREAM_OVERHEAD: Long = 1024

        /** The most live streams by default. */
        const val DEFAULT_MAX_STREAMS: Int = 1024

        /** Names are one plain path segment of these characters. */
        private val NAME = Regex("""[A-Za-z0-9][A-Za-z0-9._-]{0,127}""")

        /** Whether [name] is acceptable as a live stream's name. */
        fun isValidName(name: String): Boolean = NAME.matches(name)
    }
}
