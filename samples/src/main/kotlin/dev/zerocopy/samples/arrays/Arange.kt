package dev.zerocopy.samples.arrays

import dev.zerocopy.ByteView
import java.util.Locale

/** The recipe's array: `numpy.arange(0.0, 50000000.0)`, 400 MB of doubles. */
public const val DEFAULT_COUNT: Int = 50_000_000

/** The most doubles one view holds: `asDoubles` covers at most [Int.MAX_VALUE] bytes. */
public const val MAX_COUNT: Int = Int.MAX_VALUE / Double.SIZE_BYTES

/** How the array travels: with nothing before it, or as one length-prefixed frame. */
public enum class Wire {
    /** The recipe's wire: the bytes alone, so the receiver must know the count. */
    RAW,

    /** An 8-byte big-endian length header, then the bytes ([dev.zerocopy.Frames]). */
    FRAMED;

    /** Returns the lower-case name, which is what the command line accepts and shows. */
    override fun toString(): String = name.lowercase(Locale.ROOT)
}

/** Which half of the library moves the bytes. */
public enum class Engine {
    /** The blocking core: `ZeroCopy` and `Frames` on a `SocketChannel`, one thread per connection. */
    CORE,

    /** The Ktor adapter: suspending `sendFrom`/`recvInto` on Ktor raw sockets, no thread blocked. */
    KTOR;

    /** Returns the lower-case name, which is what the command line accepts and shows. */
    override fun toString(): String = name.lowercase(Locale.ROOT)
}

/**
 * Returns a new read-only direct view holding `arange(0.0, count)` as doubles in the
 * platform's native byte order, which is numpy's layout on the same machine.
 */
internal fun arange(count: Int): ByteView {
    val view = ByteView.allocateDirect(count.toLong() * Double.SIZE_BYTES)
    val doubles = view.asDoubles()
    for (i in 0 until count) doubles.put(i, i.toDouble())
    return view.readOnly()
}

/** Returns the first index `i` whose double is not `i`, or -1 if every element equals its index. */
internal fun firstMismatch(view: ByteView): Int {
    val doubles = view.asDoubles()
    for (i in 0 until doubles.limit()) {
        if (doubles.get(i) != i.toDouble()) return i
    }
    return -1
}

/** Formats `a[0:n]` the way Python prints a list of floats: `[0.0, 1.0, 2.0]`. */
internal fun head(view: ByteView, n: Int): String {
    val doubles = view.asDoubles()
    return (0 until minOf(n, doubles.limit())).joinToString(", ", "[", "]") { number(doubles.get(it)) }
}

/** Formats the last element, `a[-1]`, or `none` for an empty view. */
internal fun last(view: ByteView): String {
    val doubles = view.asDoubles()
    return if (doubles.limit() == 0) "none" else number(doubles.get(doubles.limit() - 1))
}

/** Prints whole doubles as `49999999.0` rather than Kotlin's `4.9999999E7`. */
internal fun number(value: Double): String =
    if (value % 1.0 == 0.0 && Math.abs(value) < 1e15) String.format(Locale.ROOT, "%.1f", value) else value.toString()

/** Formats a count with thousands separators: `400,000,000`. */
internal fun grouped(count: Long): String = String.format(Locale.ROOT, "%,d", count)

/** Formats a rate in GiB/s from bytes and nanoseconds. */
internal fun gibPerSecond(bytes: Long, nanos: Long): String =
    String.format(Locale.ROOT, "%.2f GiB/s", bytes / (nanos / 1e9) / (1L shl 30))

/** Formats nanoseconds as seconds with milliseconds: `0.163 s`. */
internal fun seconds(nanos: Long): String = String.format(Locale.ROOT, "%.3f s", nanos / 1e9)
