package dev.zerocopy.benchmarks.report;

import dev.zerocopy.benchmarks.NettyTransport;
import dev.zerocopy.benchmarks.report.JmhResults.Result;
import java.util.List;
import java.util.Optional;

import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_ADAPTER;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_CORE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.LOOPBACK_HAND_NIO;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.NETTY_FILE;
import static dev.zerocopy.benchmarks.report.KnownBenchmarks.NETTY_LOOPBACK;

/**
 * Netty 4.2 beside the library on the one-connection paths: the 400 MB array
 * ({@code NettyLoopbackBenchmark}, the core's receiver) and the page-cached file
 * ({@code NettyFileSendBenchmark}, {@code FileSendBenchmark}'s drain), per transport.
 */
final class NettySection implements Section {

    private final JmhResults jmh;
    private final LoopbackSection loopback;
    private final FileSection files;

    NettySection(JmhResults jmh, LoopbackSection loopback, FileSection files) {
        this.jmh = jmh;
        this.loopback = loopback;
        this.files = files;
    }

    /** GiB/s of one Netty transport sending the 400 MB array (the loopback group's iterations). */
    Optional<Figure> loop(NettyTransport transport) {
        return jmh.find(NETTY_LOOPBACK, "transport", transport.name())
                .map(r -> r.throughput(Double.parseDouble(r.params().get("bytes"))));
    }

    /** GiB/s of one Netty transport sending the file as a DefaultFileRegion. */
    Optional<Figure> file(NettyTransport transport) {
        return jmh.find(NETTY_FILE, "transport", transport.name())
                .map(r -> r.throughput(Double.parseDouble(r.params().get("fileSize"))));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Netty 4.2 beside the library: one connection\n\n");
        s.append("`NettyLoopbackBenchmark`: the same 400 MB array as `LoopbackBenchmark`, wrapped without a copy and"
                + " written with one `writeAndFlush`, into the core path's receiver (a peer thread in"
                + " `ZeroCopy.recvInto`). `NettyFileSendBenchmark`: the same page-cached file as `FileSendBenchmark`,"
                + " a `DefaultFileRegion` (sendfile; io_uring splices), into the same drain. JMH iterations after its"
                + " warm-up iterations; see the warm-up section for steady state.\n\n");
        s.append("| Netty transport | 400 MB GiB/s | CPU-s per GiB (peer) | heap per transfer | file GiB/s |"
                + " file CPU-s per GiB |\n|---|---|---|---|---|---|\n");
        for (NettyTransport transport : NettyTransport.values()) {
            Optional<Result> loop = jmh.find(NETTY_LOOPBACK, "transport", transport.name());
            Optional<Result> file = jmh.find(NETTY_FILE, "transport", transport.name());
            s.append("| ").append(transport).append(" | ").append(Format.gib(loop(transport))).append(" | ")
                    .append(Profile.cpuPerGib(loop, loop.map(r -> Double.parseDouble(r.params().get("bytes"))).orElse(Double.NaN)))
                    .append(" | ").append(Format.bytes(loop.flatMap(r -> r.metric("gc.alloc.rate.norm")))).append(" | ")
                    .append(Format.gib(file(transport))).append(" | ")
                    .append(Profile.cpuPerGib(file, file.map(r -> Double.parseDouble(r.params().get("fileSize"))).orElse(Double.NaN)))
                    .append(" |\n");
        }
        s.append("\n| ratio | NIO | EPOLL | IO_URING |\n|---|---|---|---|\n");
        for (String path : List.of(LOOPBACK_CORE, LOOPBACK_ADAPTER, LOOPBACK_HAND_NIO)) {
            s.append("| 400 MB: ").append(KnownBenchmarks.method(path)).append(" / Netty");
            for (NettyTransport transport : NettyTransport.values()) {
                s.append(" | ").append(Format.ratioText(loopback.loop(path), loop(transport)));
            }
            s.append(" |\n");
        }
        for (String sender : FileSection.SENDERS) {
            for (String mode : List.of("AUTO", "ZERO_COPY")) {
                s.append("| file: ").append(KnownBenchmarks.method(sender)).append(" ").append(mode)
                        .append(" / Netty DefaultFileRegion");
                for (NettyTransport transport : NettyTransport.values()) {
                    s.append(" | ").append(Format.ratioText(files.file(sender, mode), file(transport)));
                }
                s.append(" |\n");
            }
        }
        return s.append("\n").toString();
    }
}
