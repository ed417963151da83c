package dev.zerocopy.benchmarks.report;

import java.util.List;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.Format.ratioText;
import static dev.zerocopy.benchmarks.report.Format.time;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SPLICE_RECV_INTO_SLICE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.SPLICE_RECV_THEN_REBUILD;

/**
 * Splicing a received 1 MiB chunk into a 100 MiB cache ({@code SpliceBenchmark}): received then
 * rebuilt, or received into a slice of the cache, beside the seed's Python and its claim.
 */
final class SpliceSection implements Section {

    private final JmhResults jmh;
    private final References refs;

    SpliceSection(JmhResults jmh, References refs) {
        this.jmh = jmh;
        this.refs = refs;
    }

    /** Seconds per chunk of one way ({@code SpliceBenchmark.*}) on one channel ("memory" or "socket"). */
    Optional<Figure> seconds(String benchmark, String channel) {
        return jmh.seconds(benchmark, "channel", channel);
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Splicing a received chunk into a cache\n\n");
        s.append("`SpliceBenchmark`: one 1 MiB chunk into a 100 MiB heap cache at offset 1234. \"memory\" is a"
                + " channel that always has a chunk ready (the seed's FakeSocket); \"socket\" is a 127.0.0.1"
                + " connection fed without pause by a peer thread.\n\n");
        s.append("| channel | receive, then rebuild the cache | `recvInto` a slice of the cache | rebuild / recvInto |\n");
        s.append("|---|---|---|---|\n");
        for (String channel : List.of("memory", "socket")) {
            Optional<Figure> slow = seconds(SPLICE_RECV_THEN_REBUILD, channel);
            Optional<Figure> fast = seconds(SPLICE_RECV_INTO_SLICE, channel);
            s.append("| ").append(channel).append(" | ").append(time(slow)).append(" | ").append(time(fast))
                    .append(" | ").append(ratioText(slow, fast)).append(" |\n");
        }
        s.append("| Python, the seed's FakeSocket (here) | ").append(time(refs.seed("recv_then_rebuild_1MB"))).append(" | ")
                .append(time(refs.seed("recv_into_slice_1MB"))).append(" | ")
                .append(ratioText(refs.seed("recv_then_rebuild_1MB"), refs.seed("recv_into_slice_1MB"))).append(" |\n");
        s.append("| the seed's claim | ~33 ms | ~33 us | ~1000x |\n\n");
        return s.toString();
    }
}
