package dev.zerocopy.benchmarks.report;

import java.util.Locale;
import java.util.Optional;

/** How the report writes figures, ratios and sizes; shared by every section. */
final class Format {

    private Format() {
    }

    static Optional<Figure> ratio(Optional<Figure> numerator, Optional<Figure> denominator) {
        return numerator.isPresent() && denominator.isPresent() ? Optional.of(numerator.get().over(denominator.get()))
                : Optional.empty();
    }

    static String ratioText(Optional<Figure> numerator, Optional<Figure> denominator) {
        return ratio(numerator, denominator).map(f -> f.format(2, "x")).orElse("-");
    }

    static String ratioRow(String label, Optional<Figure> numerator, Optional<Figure> denominator) {
        return "| " + label + " | " + ratioText(numerator, denominator) + " |\n";
    }

    static String gib(Optional<Figure> f) {
        return fixed(f, 2);
    }

    static String fixed(Optional<Figure> f, int decimals) {
        return f.map(x -> x.format(decimals)).orElse("-");
    }

    /** Formats a figure of bytes, in B, KB or MB. */
    static String bytes(Optional<Figure> f) {
        if (f.isEmpty()) {
            return "-";
        }
        double value = Math.abs(f.get().median());
        if (value >= 10e6) {
            return f.get().times(1e-6).format(1) + " MB";
        }
        if (value >= 10e3) {
            return f.get().times(1e-3).format(1) + " KB";
        }
        return f.get().format(value >= 100 ? 0 : 1) + " B";
    }

    /** Names a size the way the sizes here are chosen: "1 GiB", "64 MiB", "400 MB". */
    static String size(double bytes) {
        long b = (long) bytes;
        if (b > 0 && b % (1L << 30) == 0) {
            return (b >> 30) + " GiB";
        }
        if (b > 0 && b % (1L << 20) == 0) {
            return (b >> 20) + " MiB";
        }
        return b % 1_000_000 == 0 ? b / 1_000_000 + " MB" : b + " bytes";
    }

    /** Formats a number of bytes alone, in B, KB or MB. */
    static String bytesMedian(double value) {
        double magnitude = Math.abs(value);
        return magnitude >= 10e6 ? String.format(Locale.ROOT, "%.1f MB", value / 1e6)
                : magnitude >= 10e3 ? String.format(Locale.ROOT, "%.1f KB", value / 1e3)
                : String.format(Locale.ROOT, "%.0f B", value);
    }

    /** Formats a figure of seconds in the unit that suits it. */
    static String time(Optional<Figure> f) {
        if (f.isEmpty()) {
            return "-";
        }
        double value = Math.abs(f.get().median());
        if (value >= 1) {
            return f.get().format() + " s";
        }
        if (value >= 1e-3) {
            return f.get().times(1e3).format() + " ms";
        }
        if (value >= 1e-6) {
            return f.get().times(1e6).format() + " us";
        }
        return f.get().times(1e9).format() + " ns";
    }
}
