package dev.zerocopy.samples.stream

import kotlin.time.Duration

/**
 * Sizes the steps a response body is sent in, so that the stall timeout measures progress
 * rather than speed.
 *
 * The server learns that bytes went out only when a step completes, and a step must complete
 * within the stall timeout. With fixed 8 MiB steps a reader moving at 95 KB/s needed 88 s
 * per step and was cut off, though it never stopped. Here a step aims to take at most an
 * eighth of the timeout (and at most a second): it doubles after a step that took under half
 * that aim and halves after one that took longer, between 64 KiB and 8 MiB. A steady reader
 * of any speed then completes a step every second or so; only a reader that slows down more
 * than eightfold within one step, or stops, meets the timeout. Not thread-safe: one per body.
 */
internal class SendPace(stall: Duration) {
    private val aimNanos = minOf(stall.inWholeNanoseconds / 8, 1_000_000_000L).coerceAtLeast(1)
    private var size = MIN_STEP

    /** The size of the next step, at most [remaining]. */
    fun nextStep(remaining: Long): Long = minOf(size, remaining)

    /** Records that a step of [count] bytes took [nanos]. */
    fun completed(count: Long, nanos: Long) {
        if (count < size) return // the last, short step says nothing about the reader
        size = when {
            nanos < aimNanos / 2 -> minOf(size * 2, MAX_STEP)
            nanos > aimNanos -> maxOf(size / 2, MIN_STEP)
            else -> size
        }
    }

    companion object {
        /** The first and smallest step. */
        const val MIN_STEP: Long = 64L shl 10

        /** The largest step: a fast reader's steps cost little per byte. */
        const val MAX_STEP: Long = 8L shl 20
    }
}
