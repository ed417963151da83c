package dev.zerocopy.benchmarks.report;

import java.util.List;
import java.util.Optional;

/**
 * What the library's observability adds to one transfer ({@code TransferEventBenchmark}): the JFR
 * event with no recording enabling it, enabled but below its threshold, and recorded; and the
 * process counters one transfer updates.
 */
final class ObservabilitySection implements Section {

    /** The benchmark's {@code jfr} settings, in the order the section prints them. */
    static final List<String> SETTINGS = List.of("disabled", "belowThreshold", "recorded");

    private final JmhResults jmh;

    ObservabilitySection(JmhResults jmh) {
        this.jmh = jmh;
    }

    /** Nanoseconds per transfer of the JFR event at one {@code jfr} setting. */
    Optional<Figure> eventNanos(String setting) {
        return nanos(KnownBenchmarks.EVENT, setting);
    }

    /** Nanoseconds per transfer of the counters, measured in the run of one {@code jfr} setting. */
    Optional<Figure> countersNanos(String setting) {
        return nanos(KnownBenchmarks.COUNTERS, setting);
    }

    private Optional<Figure> nanos(String benchmark, String setting) {
        return jmh.find(benchmark, "jfr", setting).map(r -> Figure.of(r.secondsPerOp()).times(1e9));
    }

    /** Bytes allocated per transfer by the JFR event at one {@code jfr} setting (under {@code -prof gc}). */
    private Optional<Figure> allocated(String setting) {
        return jmh.find(KnownBenchmarks.EVENT, "jfr", setting).flatMap(r -> r.metric("gc.alloc.rate.norm"));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Observability: what a JFR event and the counters cost per transfer\n\n");
        s.append("`TransferEventBenchmark`: the work a transfer does for its `dev.zerocopy.Transfer` JFR event"
                + " (begin, end, threshold check and, when recorded, the commit with the transfer's report, built"
                + " only when the event is on), and for the process counters (started, one step's bytes, ended),"
                + " apart from the transfer itself. \"disabled\": no recording enables the event (the default);"
                + " \"below threshold\": an in-memory recording enables it with its default 10 ms threshold, so each"
                + " (instant) transfer is timed and dropped; \"recorded\": enabled with no threshold, so each one is"
                + " written. The counters do not depend on the setting; they are measured in each setting's"
                + " run.\n\n");
        s.append("| JFR event | event, ns per transfer | allocated per transfer | counters, ns per transfer |\n"
                + "|---|---|---|---|\n");
        for (String setting : SETTINGS) {
            s.append("| ").append(setting.equals("belowThreshold") ? "enabled, below threshold" : setting).append(" | ")
                    .append(Format.fixed(eventNanos(setting), 1)).append(" | ")
                    .append(Format.bytes(allocated(setting))).append(" | ")
                    .append(Format.fixed(countersNanos(setting), 1)).append(" |\n");
        }
        return s.append("\n").toString();
    }

    /** The section's figures in one line, for a missed target. */
    String profile() {
        StringBuilder s = new StringBuilder("Event per transfer:");
        for (String setting : SETTINGS) {
            s.append(" ").append(setting).append(" ").append(eventNanos(setting).map(Figure::formatMedian).orElse("-"))
                    .append(" ns (").append(allocated(setting)
                            .map(f -> Format.bytesMedian(f.median())).orElse("-")).append(" allocated);");
        }
        s.append(" counters ").append(countersNanos("disabled").map(Figure::formatMedian).orElse("-"))
                .append(" ns. A disabled event costs two checks (is JFR initialised, is the event enabled),"
                        + " so a miss is work done before them (an allocation, a report built) or a slow machine at the time.");
        return s.toString();
    }
}
