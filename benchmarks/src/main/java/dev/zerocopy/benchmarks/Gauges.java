package dev.zerocopy.benchmarks;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Values a benchmark measures outside its timed region (the heap held per open
 * connection, the share of a file that went by zero-copy) and hands to
 * {@link ResourceProfiler}, which reports them with every iteration so that they land
 * in JMH's results next to the times.
 */
public final class Gauges {

    private static final Map<String, Double> VALUES = new ConcurrentHashMap<>();

    private Gauges() {
    }

    /**
     * Sets a gauge; it is reported, averaged over iterations, under its name.
     *
     * @param name the metric name, with its unit after a colon (e.g. {@code "heap.perConnection:B"})
     * @param value the value
     */
    public static void set(String name, double value) {
        VALUES.put(name, value);
    }

    static Map<String, Double> snapshot() {
        return Map.copyOf(VALUES);
    }
}
