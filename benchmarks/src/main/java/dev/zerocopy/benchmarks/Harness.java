package dev.zerocopy.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** What the two command-line harnesses share: threads, CPU time and medians. */
final class Harness {

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private Harness() {
    }

    /** A thread per task: virtual on JDK 21+ (looked up, since this module targets Java 17), else platform. */
    static ExecutorService threadPerTask() {
        try {
            return (ExecutorService) MethodHandles.publicLookup().findStatic(Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class)).invoke();
        } catch (Throwable beforeJdk21) {
            return Executors.newCachedThreadPool();
        }
    }

    static boolean virtualThreads() {
        return Runtime.version().feature() >= 21;
    }

    /** CPU time of the whole process so far, in nanoseconds. */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    static double gib(long bytes) {
        return bytes / (double) (1L << 30);
    }
}
