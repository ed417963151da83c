package dev.zerocopy.benchmarks.report;

import static dev.zerocopy.benchmarks.report.Format.gib;
import static dev.zerocopy.benchmarks.report.Format.ratioText;
import static dev.zerocopy.benchmarks.report.Format.time;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.FILE_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_COPY;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SLICE_VIEW;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SPLICE_RECV_INTO_SLICE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SPLICE_RECV_THEN_REBUILD;

/**
 * The seed's claims side by side: the seed's own figures, its Python code timed here, and the
 * library's figure for the same claim, taken from the sections that measure it.
 */
final class SeedSection implements Section {

    private static final String SEED_SIZE = "20971520";

    private final References refs;
    private final LoopbackSection loopback;
    private final FileSection files;
    private final SliceSection slices;
    private final SpliceSection splices;

    SeedSection(References refs, LoopbackSection loopback, FileSection files, SliceSection slices,
            SpliceSection splices) {
        this.refs = refs;
        this.loopback = loopback;
        this.files = files;
        this.slices = slices;
        this.splices = splices;
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## The seed's numbers, side by side\n\n");
        s.append("The seeds' own figures, the seeds' Python code timed on this machine in this run"
                + " (`python/seed_micro.py`, `python/recipe.py`), and this library.\n\n");
        s.append("| claim | seed says | Python, here | ours, here |\n|---|---|---|---|\n");
        s.append("| slice 20 MB by copy | ~5 ms | ").append(time(refs.seed("slice_copy_20MB"))).append(" | ")
                .append(time(slices.seconds(SLICE_COPY, SEED_SIZE))).append(" (`Arrays.copyOfRange`, 20 MiB) |\n");
        s.append("| slice 20 MB as a view | ~250 ns | ").append(time(refs.seed("slice_view_20MB"))).append(" | ")
                .append(time(slices.seconds(SLICE_VIEW, SEED_SIZE))).append(" (`ByteView.slice`) |\n");
        s.append("| receive 1 MB, rebuild the 100 MB cache | ~33 ms | ").append(time(refs.seed("recv_then_rebuild_1MB")))
                .append(" | ").append(time(splices.seconds(SPLICE_RECV_THEN_REBUILD, "memory")))
                .append(" (in-memory channel) |\n");
        s.append("| receive 1 MB into a slice of the cache | ~33 us | ").append(time(refs.seed("recv_into_slice_1MB")))
                .append(" | ").append(time(splices.seconds(SPLICE_RECV_INTO_SLICE, "memory")))
                .append(" (`ZeroCopy.recvInto`, in-memory channel) |\n");
        s.append("| send_from/recv_into of the 400 MB array | (no figure) | ").append(gib(refs.recipe))
                .append(" GiB/s | ").append(gib(loopback.loop(LOOPBACK_CORE))).append(" GiB/s (core), ")
                .append(gib(loopback.loop(LOOPBACK_ADAPTER))).append(" GiB/s (adapter) |\n");
        s.append("| sendfile \"usually twice as fast\" as read/send | 2x | ").append(gib(refs.sendfile))
                .append(" GiB/s (`socket.sendfile`) | zero-copy / 64 KiB copy loop: ")
                .append(ratioText(files.file(FILE_CORE, "ZERO_COPY"), files.file(FILE_CORE, "COPY_64K")))
                .append("; zero-copy / 1 MiB copy loop: ")
                .append(ratioText(files.file(FILE_CORE, "ZERO_COPY"), files.file(FILE_CORE, "COPY_1M")))
                .append(" |\n\n");
        return s.toString();
    }
}
