package dev.zerocopy.benchmarks.report;

import java.util.Arrays;
import java.util.Locale;
import org.openjdk.jmh.util.ListStatistics;

/**
 * A measured figure: the median of its samples and, as JMH reports it, the half-width of the
 * 99.9 % confidence interval of their mean (NaN for fewer than two samples).
 *
 * @param median the median of the samples
 * @param error the half-width of the 99.9 % confidence interval of the mean
 * @param n the number of samples
 */
record Figure(double median, double error, int n) {

    /** Returns the figure of {@code samples}. */
    static Figure of(double[] samples) {
        if (samples.length == 0) {
            throw new IllegalArgumentException("no samples");
        }
        ListStatistics statistics = new ListStatistics(samples);
        double error = samples.length < 2 ? Double.NaN : statistics.getMeanErrorAt(0.999);
        return new Figure(statistics.getPercentile(50), error, samples.length);
    }

    /** Returns the figure of each sample transformed by {@code f} (say, seconds to GiB/s). */
    static Figure of(double[] samples, java.util.function.DoubleUnaryOperator f) {
        return of(Arrays.stream(samples).map(f).toArray());
    }

    /** Returns this figure over {@code other}, with their relative errors combined. */
    Figure over(Figure other) {
        double ratio = median / other.median;
        double combined = Math.abs(ratio) * Math.hypot(error / median, other.error / other.median);
        return new Figure(ratio, combined, Math.min(n, other.n));
    }

    /** Returns this figure times {@code factor}. */
    Figure times(double factor) {
        return new Figure(median * factor, error * Math.abs(factor), n);
    }

    /** Formats the median and its error with {@code decimals} decimals, e.g. "2.91 ± 0.12". */
    String format(int decimals) {
        String pattern = "%." + decimals + "f";
        String value = String.format(Locale.ROOT, pattern, median);
        return Double.isNaN(error) ? value + " (n=" + n + ")"
                : value + " ± " + String.format(Locale.ROOT, pattern, error);
    }

    /** Formats with about three significant digits, for figures whose scale varies. */
    String format() {
        return format(decimalsFor(median));
    }

    static int decimalsFor(double value) {
        double magnitude = Math.abs(value);
        if (magnitude == 0 || magnitude >= 100) {
            return 0;
        }
        return magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : Math.min(6, 2 - (int) Math.floor(Math.log10(magnitude)));
    }
}
