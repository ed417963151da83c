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
        return format(decimals, "");
    }

    /**
     * Formats the median and its error followed by {@code unit}, e.g. "0.96 ± 0.05x", or
     * "0.96x (n=2)" when there is no error.
     */
    String format(int decimals, String unit) {
        String pattern = "%." + decimals + "f";
        String value = String.format(Locale.ROOT, pattern, median);
        return Double.isNaN(error) ? value + unit + " (n=" + n + ")"
                : value + " ± " + String.format(Locale.ROOT, pattern, error) + unit;
    }

    /** Formats with about three significant digits, for figures whose scale varies. */
    String format() {
        return format(decimalsFor(median));
    }

    /** Formats with about three significant digits, followed by {@code unit}. */
    String format(String unit) {
        return format(decimalsFor(median), unit);
    }

    /** Formats the median alone, with about three significant digits. */
    String formatMedian() {
        return String.format(Locale.ROOT, "%." + decimalsFor(median) + "f", median);
    }

    static int decimalsFor(double value) {
        double magnitude = Math.abs(value);
        if (magnitude == 0 || magnitude >= 100) {
            return 0;
        }
        return magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : Math.min(6, 2 - (int) Math.floor(Math.log10(magnitude)));
    }
}
