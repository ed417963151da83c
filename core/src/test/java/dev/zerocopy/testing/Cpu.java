package dev.zerocopy.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * CPU time of this JVM's threads, to tell a wait from a spin: a transfer that stalls for
 * S ms while a driver spins burns about S ms of CPU; one that waits for readiness, almost none.
 */
public final class Cpu {

    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private Cpu() {
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
