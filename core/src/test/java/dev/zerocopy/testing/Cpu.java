package dev.zerocopy.testing;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * CPU time of this JVM's threads, to tell a wait from a spin: a transfer that stalls for
 * S ms while a driver spins burns about S ms of CPU; one that waits for readiness, almost none.
 * Where the threads that drive a transfer are known, measure those ({@link #threadNanos}):
 * the whole JVM's figure also counts whatever else runs in the test JVM, which a loaded
 * machine stretches. Where they are known only as a kind (the coroutine dispatcher's workers,
 * the carriers of virtual threads), measure that kind with a {@link Meter}.
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

    /** Tells whether {@code thread} carries virtual threads (JDK 21+): their CPU time is charged to it. */
    public static boolean isCarrier(Thread thread) {
        return thread.getClass().getName().equals("jdk.internal.misc.CarrierThread");
    }

    /** Tells whether {@code thread} is one of kotlinx.coroutines' Default or IO workers. */
    public static boolean isCoroutineWorker(Thread thread) {
        return thread.getName().startsWith("DefaultDispatcher-worker-");
    }

    /** Tells whether {@code thread} is a poller that wakes blocked callers: the JDK's or the core's own. */
    public static boolean isPoller(Thread thread) {
        return thread.getName().toLowerCase(java.util.Locale.ROOT).contains("poller");
    }

    /** Starts measuring the CPU time of the live threads {@code which} picks, including those that start later. */
    public static Meter meter(Predicate<Thread> which) {
        return new Meter(which);
    }

    /**
     * The CPU time a kind of thread has used since the meter started. A thread of that kind
     * that starts later counts from zero; one that ends before {@link #nanos()} is not
     * counted (a thread that spins does not end).
     */
    public static final class Meter {
        private final Predicate<Thread> which;
        private final Map<Long, Long> start = new HashMap<>();

        private Meter(Predicate<Thread> which) {
            this.which = which;
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (which.test(thread)) {
                    start.put(thread.getId(), threadNanos(thread));
                }
            }
        }

        /** The CPU time, in nanoseconds, that the measured threads have used since this meter started. */
        public long nanos() {
            long total = 0;
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (which.test(thread)) {
                    total += Math.max(0, threadNanos(thread) - start.getOrDefault(thread.getId(), 0L));
                }
            }
            return total;
        }

        /** The measured threads by name with their CPU milliseconds since the start, for a failure message. */
        public String describe() {
            StringBuilder text = new StringBuilder();
            for (Thread thread : Thread.getAllStackTraces().keySet()) {
                if (which.test(thread)) {
                    long nanos = threadNanos(thread) - start.getOrDefault(thread.getId(), 0L);
                    text.append(text.length() == 0 ? "" : ", ").append(thread.getName()).append(' ')
                            .append(nanos / 1_000_000).append(" ms");
                }
            }
            return text.toString();
        }
    }
}
