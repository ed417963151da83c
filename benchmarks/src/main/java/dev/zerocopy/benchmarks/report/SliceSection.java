package dev.zerocopy.benchmarks.report;

import java.util.List;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.bytes;
import static dev.zerocopy.benchmarks.report.Format.bytesMedian;
import static dev.zerocopy.benchmarks.report.Format.ratioRow;
import static dev.zerocopy.benchmarks.report.Format.time;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_BYTE_BUFFER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_COPY;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_VIEW;

/**
 * Slicing a chunk out of a 100 MiB array ({@code SliceBenchmark}) by copy, as a {@code ByteView}
 * and as a {@code ByteBuffer}, beside the seed's Python slices: its figures and its section.
 */
final class SliceSection implements Section {

    /** The chunk sizes, in bytes as JMH's {@code size} parameter has them; the larger one is the seed's 20 MB. */
    static final List<String> SIZES = List.of("1048576", "20971520");
    private static final String SEED_SIZE = "20971520";

    private final JmhResults jmh;
    private final References refs;

    SliceSection(JmhResults jmh, References refs) {
        this.jmh = jmh;
        this.refs = refs;
    }

    /** Seconds per slice of one way ({@code SliceBenchmark.*}) at one size. */
    Optional<Figure> seconds(String benchmark, String size) {
        return jmh.seconds(benchmark, "size", size);
    }

    /** A size as the report names it: "1 MiB", "20 MiB". */
    static String label(String size) {
        return (Integer.parseInt(size) >> 20) + " MiB";
    }

    /** Time and allocation per slice, for a missed target. */
    String sliceProfile() {
        StringBuilder s = new StringBuilder();
        for (String benchmark : List.of(SLICE_VIEW, SLICE_BYTE_BUFFER)) {
            for (String size : SIZES) {
                jmh.find(benchmark, "size", size).ifPresent(r -> s.append(KnownBenchmarks.method(benchmark)).append(" ")
                        .append(label(size)).append(": ")
                        .append(Figure.of(r.secondsPerOp()).times(1e9).formatMedian()).append(" ns, ")
                        .append(r.metric("gc.alloc.rate.norm").map(f -> bytesMedian(f.median())).orElse("-"))
                        .append(" allocated per slice; "));
            }
        }
        return s.append("a slice's cost is its allocation and field copies, so a gap is extra objects or"
                + " checks per slice.").toString();
    }

    private Optional<Figure> allocated(String benchmark, String size) {
        return jmh.find(benchmark, "size", size).flatMap(r -> r.metric("gc.alloc.rate.norm"));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Slicing\n\n");
        s.append("`SliceBenchmark`: a chunk at offset 1234 of a 100 MiB array. The Python columns are the"
                + " seed's code on this machine (20 MB only, as in the seed).\n\n");
        s.append("| size | copy (`Arrays.copyOfRange`) | `ByteView.slice` | `ByteBuffer.slice` | allocated per"
                + " view / per ByteBuffer | Python bytes slice | Python memoryview slice |\n");
        s.append("|---|---|---|---|---|---|---|\n");
        for (String size : SIZES) {
            boolean seedSize = size.equals(SEED_SIZE);
            s.append("| ").append(label(size)).append(" | ")
                    .append(time(seconds(SLICE_COPY, size))).append(" | ")
                    .append(time(seconds(SLICE_VIEW, size))).append(" | ")
                    .append(time(seconds(SLICE_BYTE_BUFFER, size))).append(" | ")
                    .append(bytes(allocated(SLICE_VIEW, size))).append(" / ")
                    .append(bytes(allocated(SLICE_BYTE_BUFFER, size)))
                    .append(" | ").append(seedSize ? time(refs.seed("slice_copy_20MB")) : "")
                    .append(" | ").append(seedSize ? time(refs.seed("slice_view_20MB")) : "").append(" |\n");
        }
        s.append("\n| ratio | value |\n|---|---|\n");
        s.append(ratioRow("view, 20 MiB / 1 MiB", seconds(SLICE_VIEW, SEED_SIZE), seconds(SLICE_VIEW, "1048576")));
        for (String size : SIZES) {
            s.append(ratioRow("`ByteView.slice` / `ByteBuffer.slice`, " + label(size), seconds(SLICE_VIEW, size),
                    seconds(SLICE_BYTE_BUFFER, size)));
            s.append(ratioRow("copy / `ByteView.slice`, " + label(size), seconds(SLICE_COPY, size),
                    seconds(SLICE_VIEW, size)));
        }
        return s.append("\n").toString();
    }
}
