package dev.zerocopy.samples.stream

import kotlin.time.Duration

/**
 * Sizes the steps a response body is sent in, so that the stall timeout measures progress
 * rather than speed.
 *
 * The server learns that bytes went out only when a step completes, and a step must complete
 * within the stall timeout. With fixed 8 MiB steps a reader moving at 95 KB/s needed 88 s
 * per step and was cut off, though it never stopped. Here a step starts at 64 KiB and aims
 * to take at most an eighth of the timeout (and at most a second): it doubles after a step
 * that took under half that aim and halves after one that took longer. Growth is capped by
 * the rate the body has moved at on average (once that average spans four aims), and before
 * that by 8 KiB per second of stall timeout: the first steps complete at once into the
 * kernel's socket buffers (megabytes on loopback) and say nothing about the reader. A
 * steady reader of any speed above about 8 KiB/s then completes a step every second or so;
 * only a reader that stops, or slows down many times over within one step, meets the
 * timeout. Not thread-safe: one per body.
 */
internal class SendPace(stall: Duration) {
    private val aimNanos = minOf(stall.inWholeNanoseconds / 8, 1_000_000_000L).coerceAtLeast(1)
    private val safeStep = (stall.inWholeMilliseconds * SAFE_BYTES_PER_SECOND / 1000).coerceIn(MIN_STEP, MAX_STEP)
    private val started = System.nanoTime()
    private var sent = 0L
    private var size = MIN_STEP

    /** The size of the next step, at most [remaining]. */
    fun nextStep(remaining: Long): Long = minOf(size, remaining)

    /** Records that a step of [count] bytes took [nanos]. */
    fun completed(count: Long, nanos: Long) {
        sent += count
        if (count < size) return // the last, short step says nothing about the reader
        val wanted = when {
            nanos < aimNanos / 2 -> size * 2
            nanos > aimNanos -> size / 2
            else -> size
        }
        val elapsed = System.nanoTime() - started
        val cap = if (elapsed >= 4 * aimNanos) maxOf(safeStep, (sent.toDouble() * aimNanos / elapsed).toLong()) else safeStep
        size = minOf(wanted, cap).coerceIn(MIN_STEP, MAX_STEP)
    }

    companion object {
        /** The first and smallest step. */
        const val MIN_STEP: Long = 64L shl 10

        /** The largest step: a fast reader's steps cost little per byte. */
        const val MAX_STEP: Long = 8L shl 20

        /** The rate the step size before any measurement assumes, per second of stall timeout. */
        private const val SAFE_BYTES_PER_SECOND: Long = 8L shl 10
    }
}
