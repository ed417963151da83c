package dev.zerocopy.benchmarks.report;

import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.CategoryStyler;
import org.knowm.xchart.style.Styler;

/** Draws the throughput comparison as a bar chart with error bars, one colour per group, with XChart. */
final class ThroughputChart {

    /**
     * One bar.
     *
     * @param label the bar's label on the x axis
     * @param group the series it belongs to (its colour and legend entry)
     * @param gibPerSecond its height and error bar
     */
    record Bar(String label, String group, Figure gibPerSecond) {
    }

    private ThroughputChart() {
    }

    /** Writes the chart of {@code bars}, in their order, as a PNG file. */
    static void write(List<Bar> bars, String title, Path png) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(1200).height(680).title(title)
                .yAxisTitle("GiB/s (median, error bar: 99.9 % CI of the mean)").build();
        CategoryStyler styler = chart.getStyler();
        styler.setOverlapped(true);
        styler.setXAxisLabelRotation(35);
        styler.setYAxisDecimalPattern("0.00");
        styler.setLegendPosition(Styler.LegendPosition.InsideNE);
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setPlotGridVerticalLinesVisible(false);
        styler.setYAxisMin(0.0);
        // A few samples give error bars many times the bar: the axis stops at 1.5x the tallest
        // bar, so the bars stay readable and a longer error bar runs off the top.
        double tallest = bars.stream().mapToDouble(bar -> bar.gibPerSecond().median()).max().orElse(1);
        double top = bars.stream()
                .mapToDouble(bar -> bar.gibPerSecond().median() + nanToZero(bar.gibPerSecond().error()))
                .max().orElse(tallest);
        styler.setYAxisMax(Math.min(top, 1.5 * tallest) * 1.05);
        styler.setSeriesColors(new Color[] {
            new Color(0x4C72B0), new Color(0xDD8452), new Color(0x55A868), new Color(0x8172B3)});

        // The value goes into the label: XChart's own value labels would also print the zeros below.
        List<String> labels = bars.stream()
                .map(bar -> bar.label() + " " + String.format(Locale.ROOT, "%.2f", bar.gibPerSecond().median()))
                .toList();
        Set<String> groups = new LinkedHashSet<>();
        bars.forEach(bar -> groups.add(bar.group()));
        for (String group : groups) {
            // XChart draws every series over one set of categories: overlapped series that are zero
            // outside their group give one bar per label, coloured by its group.
            List<Double> heights = new ArrayList<>();
            List<Double> errors = new ArrayList<>();
            for (Bar bar : bars) {
                boolean mine = bar.group().equals(group);
                heights.add(mine ? bar.gibPerSecond().median() : 0.0);
                errors.add(mine ? nanToZero(bar.gibPerSecond().error()) : 0.0);
            }
            chart.addSeries(group, labels, heights, errors);
        }
        Files.createDirectories(png.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    private static double nanToZero(double value) {
        return Double.isNaN(value) ? 0.0 : value;
    }
}
