package dev.zerocopy.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of this JVM's threads, to tell a wait from a spin: a transfer that stalls for
 * S ms while a driver spins burns about S ms of CPU; one that waits for readiness, almost none.
 * Where the threads that drive a transfer are known, measure those ({@link #threadNanos}):
 * the whole JVM's figure also counts whatever else runs in the test JVM, which a loaded
 * machine stretches.
 */
public final class Cpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Cpu() {
    }

    /** The CPU time, in nanoseconds, that {@code thread} has used so far; 0 once it has ended. */
    public static long threadNanos(Thread thread) {
        return Math.max(0, THREADS.getThreadCpuTime(thread.getId()));
    }

    /** The shared poller's thread, if it has started: non-blocking drivers wait through it. */
    public static Thread poller() {
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.getName().equals("zerocopy-poller")) {
                return thread;
            }
        }
        return null;
    }

    /** The CPU time, in nanoseconds, that all live threads of this JVM have used so far. */
    public static long allThreadsNanos() {
        long total = 0;
        for (long id : THREADS.getAllThreadIds()) {
            long nanos = THREADS.getThreadCpuTime(id);
            if (nanos > 0) {
                total += nanos;
            }
        }
        return total;
    }
}
