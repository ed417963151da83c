package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.fixed;
import static dev.zerocopy.benchmarks.report.Format.gib;
import static dev.zerocopy.benchmarks.report.Format.ratioRow;
import static dev.zerocopy.benchmarks.report.Format.size;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FILE_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FILE_CORE;

/**
 * A page-cached file sent over loopback ({@code FileSendBenchmark}) by the core and the adapter
 * in each file mode, beside Python's {@code socket.sendfile}: its figures, its chart bars and its
 * section. A sender is named by its benchmark's method ({@code core}, {@code adapter}).
 */
final class FileSection implements Section {

    /** The senders, in the order of the table. */
    static final List<String> SENDERS = List.of(FILE_CORE, FILE_ADAPTER);
    private static final List<String> MODES = List.of("ZERO_COPY", "COPY_64K", "COPY_1M", "AUTO");
    private static final List<String> FORCED_MODES = List.of("ZERO_COPY", "COPY_64K", "COPY_1M");
    private static final double GIB = References.GIB;

    private final JmhResults jmh;
    private final References refs;

    FileSection(JmhResults jmh, References refs) {
        this.jmh = jmh;
        this.refs = refs;
    }

    /** GiB/s of one sender ({@code FileSendBenchmark.*}) in one mode. */
    Optional<Figure> file(String sender, String mode) {
        return jmh.find(sender, "mode", mode).map(r -> r.throughput(fileSize(r)));
    }

    private static double fileSize(Result r) {
        return Double.parseDouble(r.params().get("fileSize"));
    }

    /** The fastest forced mode of one sender and its GiB/s. */
    Optional<Map.Entry<String, Figure>> bestForced(String sender) {
        Optional<Map.Entry<String, Figure>> best = Optional.empty();
        for (String mode : FORCED_MODES) {
            Optional<Figure> f = file(sender, mode);
            if (f.isPresent() && (best.isEmpty() || f.get().median() > best.get().getValue().median())) {
                best = Optional.of(Map.entry(mode, f.get()));
            }
        }
        return best;
    }

    /** What AUTO chose and every mode's profile, for a missed target. */
    String autoProfile(String sender) {
        StringBuilder s = new StringBuilder();
        jmh.find(sender, "mode", "AUTO").flatMap(r -> r.metric("zeroCopy.share")).ifPresent(f ->
                s.append("AUTO ran ").append(zeroCopyShare(f.median())).append(". "));
        for (String mode : MODES) {
            jmh.find(sender, "mode", mode).ifPresent(r ->
                    s.append(Profile.summary(modeName(mode), r, fileSize(r))).append(" "));
        }
        return s.toString().trim();
    }

    /** The chart's bars of this section: every sender and mode measured, then Python's sendfile. */
    List<ThroughputChart.Bar> bars() {
        List<ThroughputChart.Bar> bars = new ArrayList<>();
        for (String sender : SENDERS) {
            for (String mode : MODES) {
                jmh.find(sender, "mode", mode).ifPresent(r -> bars.add(new ThroughputChart.Bar(
                        KnownBenchmarks.method(sender) + " file " + modeName(mode), size(fileSize(r)) + " file",
                        r.throughput(fileSize(r)))));
            }
        }
        refs.sendfile.ifPresent(f -> bars.add(new ThroughputChart.Bar("Python sendfile", "reference", f)));
        return bars;
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## File sending: a page-cached file over loopback\n\n");
        s.append("`FileSendBenchmark`: the whole file (`fileSize` = ")
                .append(jmh.find(FILE_CORE).map(r -> r.params().get("fileSize")).orElse("1073741824"))
                .append(" bytes), read once right before each trial, sent over 127.0.0.1 to a plain NIO"
                        + " channel drained by a peer thread. CPU-s per GiB: all Java threads, then the"
                        + " sender's share (all minus the drain thread's). `AUTO ran` is the share of bytes"
                        + " AUTO sent by zero-copy.\n\n");
        s.append("| sender | mode | GiB/s | CPU-s per GiB | sender CPU-s per GiB | AUTO ran |\n");
        s.append("|---|---|---|---|---|---|\n");
        for (String sender : SENDERS) {
            for (String mode : MODES) {
                Optional<Result> r = jmh.find(sender, "mode", mode);
                double bytes = r.map(FileSection::fileSize).orElse(Double.NaN);
                s.append("| ").append(KnownBenchmarks.method(sender)).append(" | ").append(modeName(mode)).append(" | ")
                        .append(gib(file(sender, mode))).append(" | ")
                        .append(fixed(r.flatMap(x -> x.metric("cpu.process")).map(f -> f.times(1e-9 * GIB / bytes)), 3))
                        .append(" | ").append(fixed(senderCpu(r).map(f -> f.times(1e-9 * GIB / bytes)), 3)).append(" | ")
                        .append(mode.equals("AUTO")
                                ? r.flatMap(x -> x.metric("zeroCopy.share")).map(f -> zeroCopyShare(f.median())).orElse("-")
                                : "").append(" |\n");
            }
        }
        s.append("| Python `socket.sendfile` | zero-copy | ").append(gib(refs.sendfile)).append(" | | ")
                .append(fixed(refs.sendfileCpuPerGib, 3)).append(" | |\n\n");

        s.append("| ratio | value |\n|---|---|\n");
        for (String sender : SENDERS) {
            String name = KnownBenchmarks.method(sender);
            s.append(ratioRow(name + ": AUTO / best forced mode ("
                    + bestForced(sender).map(e -> modeName(e.getKey())).orElse("-") + ")", file(sender, "AUTO"),
                    bestForced(sender).map(Map.Entry::getValue)));
            s.append(ratioRow(name + ": zero-copy / 64 KiB copy loop", file(sender, "ZERO_COPY"), file(sender, "COPY_64K")));
            s.append(ratioRow(name + ": zero-copy / 1 MiB copy loop", file(sender, "ZERO_COPY"), file(sender, "COPY_1M")));
            s.append(ratioRow(name + ": AUTO / Python socket.sendfile", file(sender, "AUTO"), refs.sendfile));
        }
        s.append(ratioRow("adapter / core, AUTO", file(FILE_ADAPTER, "AUTO"), file(FILE_CORE, "AUTO")));
        return s.append("\n").toString();
    }

    private static String modeName(String mode) {
        return switch (mode) {
            case "ZERO_COPY" -> "zero-copy";
            case "COPY_64K" -> "copy 64 KiB";
            case "COPY_1M" -> "copy 1 MiB";
            case "AUTO" -> "AUTO";
            default -> mode;
        };
    }

    private static String zeroCopyShare(double share) {
        return share == 0 ? "copy loop" : share == 1 ? "zero-copy"
                : String.format(Locale.ROOT, "%.0f %% zero-copy", share * 100);
    }

    /** Per-iteration CPU of the whole process minus the peer threads', in ns per operation. */
    private static Optional<Figure> senderCpu(Optional<Result> r) {
        return r.flatMap(x -> {
            JmhResults.Metric process = x.secondary().get("cpu.process");
            JmhResults.Metric peers = x.secondary().get("cpu.peers");
            if (process == null || peers == null || process.samples().length != peers.samples().length
                    || process.samples().length == 0) {
                return Optional.empty();
            }
            double[] sender = new double[process.samples().length];
            for (int i = 0; i < sender.length; i++) {
                sender[i] = process.samples()[i] - peers.samples()[i];
            }
            return Optional.of(Figure.of(sender));
        });
    }
}
