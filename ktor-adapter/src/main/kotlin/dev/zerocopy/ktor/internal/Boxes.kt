package dev.zerocopy.ktor.internal

/**
 * Boxes of the counts the suspending calls return. A suspend function's result is an object,
 * so a `Long` outside `Long.valueOf`'s small cache would be boxed anew by every call; calls in
 * a loop return the same few counts (the size they send), so a small table keeps the last box
 * per slot and hands it out again. Races are harmless: a `java.lang.Long` is immutable and
 * safely published, and a lost write only costs one box.
 */
internal object Boxes {

    private const val SLOTS = 64

    private val boxes = arrayOfNulls<Any>(SLOTS)

    /** A box holding [value]: the one kept for it if any, else a new one, kept from now on. */
    fun of(value: Long): Any {
        val slot = (value xor (value ushr 17)).toInt() and (SLOTS - 1)
        val kept = boxes[slot]
        // toLong() compares the primitive: `kept == value` would box value to compare.
        @Suppress("REDUNDANT_CALL_OF_CONVERSION_METHOD")
        if (kept is Long && kept.toLong() == value) return kept
        val box: Any = value
        boxes[slot] = box
        return box
    }
}
