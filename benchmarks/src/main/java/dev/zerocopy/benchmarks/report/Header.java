package dev.zerocopy.benchmarks.report;

import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** The top of {@code RESULTS.md}: how and when the run was made, the machine, and how to read the figures. */
final class Header implements Section {

    private final String mode;
    private final long elapsedSeconds;
    private final String note;
    private final JmhResults jmh;
    private final References refs;
    private final Path chart;

    /**
     * Describes one run.
     *
     * @param mode run.sh's mode: full, quick or smoke
     * @param elapsedSeconds how long the run took, -1 if unknown
     * @param note a note to print under the header, "" for none
     * @param jmh the run's JMH results, for the JDK and JMH versions
     * @param refs the references, for the Python and iperf3 versions
     * @param chart the chart, relative to {@code RESULTS.md}
     */
    Header(String mode, long elapsedSeconds, String note, JmhResults jmh, References refs, Path chart) {
        this.mode = mode;
        this.elapsedSeconds = elapsedSeconds;
        this.note = note;
        this.jmh = jmh;
        this.refs = refs;
        this.chart = chart;
    }

    @Override
    public String section() {
        StringBuilder md = new StringBuilder("# Benchmark results\n\n");
        if (mode.equals("smoke")) {
            md.append("> **Smoke run**: small sizes and very short iterations, to check that the suite runs."
                    + " These are not results.\n\n");
        }
        md.append("Written by `benchmarks/run.sh").append(mode.equals("full") ? "" : " --" + mode)
                .append("` on ").append(ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern(
                        "yyyy-MM-dd HH:mm 'UTC'"))).append(", everything measured in one run on one machine");
        if (elapsedSeconds >= 0) {
            md.append(String.format(Locale.ROOT, " (%d min %02d s)", elapsedSeconds / 60, elapsedSeconds % 60));
        }
        md.append(".\n\n");
        if (!note.isEmpty()) {
            md.append("> **Note:** ").append(note).append("\n\n");
        }
        md.append("| | |\n|---|---|\n");
        md.append("| machine | ").append(Machine.describe()).append(" |\n");
        md.append("| load average (1, 5, 15 min) when written | ").append(Machine.loadAverage()).append(" |\n");
        md.append("| JDK | ").append(jmh.jdk() == null ? "(no JMH results)" : jmh.jdk()).append(" |\n");
        md.append("| JMH | ").append(jmh.jmhVersion() == null ? "-" : jmh.jmhVersion()).append(" |\n");
        md.append("| Python | ").append(refs.python.isEmpty() ? "-" : refs.python)
                .append(refs.numpy.isEmpty() ? "" : ", numpy " + refs.numpy).append(" |\n");
        md.append("| iperf3 | ").append(refs.iperf3Details.isEmpty() ? "not measured" : refs.iperf3Details)
                .append(" |\n\n");
        md.append("Each figure is the median of its samples (JMH iterations, Python transfers, iperf3 seconds)"
                + " ± the half-width of the 99.9 % confidence interval of their mean, as JMH reports errors;"
                + " `(n=2)` marks a figure with too few samples (two or fewer) for an error. Ratios are of medians"
                + " from this run, with the relative errors combined. A target passes when its median ratio meets"
                + " it. The machine is shared and single runs swing by ±30 %: compare ratios from one run, not"
                + " figures across runs.\n\n");
        md.append("![Throughput over loopback](").append(chart.toString().replace('\\', '/')).append(")\n\n");
        return md.toString();
    }
}
