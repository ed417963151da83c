package dev.zerocopy.benchmarks.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The many-connections rows of one run ({@code connections.md}, one row per driver and size as
 * {@code ConnectionsHarness} prints them: medians of its rounds, 1 MiB each way), and their section.
 */
final class ConnectionsTable implements Section {

    /**
     * One harness run.
     *
     * @param driver core-vt, ktor, netty-nio, netty-epoll or netty-io_uring
     * @param connections concurrent connections
     * @param gib aggregate GiB/s, the median of the rounds
     * @param cpuPerGib process CPU seconds per GiB, the median of the rounds
     * @param range the slowest and fastest round's GiB/s
     */
    record Row(String driver, int connections, double gib, double cpuPerGib, String range) {
    }

    static final String KTOR = "ktor";
    static final String CORE_VT = "core-vt";
    static final String NETTY_NIO = "netty-nio";
    static final String NETTY_EPOLL = "netty-epoll";
    /** Every driver of {@code ConnectionsHarness}; a row of another (renamed?) fails the report. */
    static final List<String> DRIVERS = List.of(KTOR, CORE_VT, NETTY_NIO, NETTY_EPOLL, "netty-io_uring");

    private final List<Row> rows = new ArrayList<>();

    static ConnectionsTable read(Path results) throws IOException {
        ConnectionsTable table = new ConnectionsTable();
        Path file = results.resolve("connections.md");
        if (!Files.isRegularFile(file)) {
            return table;
        }
        for (String line : Files.readAllLines(file)) {
            String[] cells = line.split("\\|");
            if (cells.length < 7) {
                continue;
            }
            String driver = cells[1].trim();
            if (!DRIVERS.contains(driver)) {
                throw new IllegalStateException(file + " has a row of driver " + driver + ", which the report does not"
                        + " know (renamed?); it knows " + DRIVERS + ": " + line);
            }
            table.rows.add(new Row(driver, Integer.parseInt(cells[2].trim().replace(",", "")),
                    Double.parseDouble(cells[4].trim()), Double.parseDouble(cells[5].trim()), cells[6].trim()));
        }
        return table;
    }

    private Optional<Row> row(String driver, int connections) {
        return rows.stream().filter(r -> r.driver.equals(driver) && r.connections == connections).findFirst();
    }

    /** Aggregate GiB/s of a driver at a size (a median without an error bar). */
    Optional<Figure> gib(String driver, int connections) {
        return row(driver, connections).map(r -> new Figure(r.gib, Double.NaN, 1));
    }

    /** Process CPU seconds per GiB of a driver at a size. */
    Optional<Figure> cpuPerGib(String driver, int connections) {
        return row(driver, connections).map(r -> new Figure(r.cpuPerGib, Double.NaN, 1));
    }

    @Override
    public String section() {
        StringBuilder s = new StringBuilder("## Many connections, 1 MiB each way: adapter, core, Netty\n\n");
        s.append("`ConnectionsHarness --ways 2`, one JVM per driver and size, both ends in it: every connection"
                + " sends 1 MiB from each end at once and receives 1 MiB at each end (the library into 256 shared"
                + " pre-touched slots, Netty into its pooled buffers, counted and released; from 5,000 connections"
                + " run.sh gives Netty's sockets a 16 KiB `SO_SNDBUF`, without which Netty stalls on the kernel's TCP"
                + " memory here, see benchmarks/README.md). One warm-up round, then"
                + " the median of the measured rounds. CPU is the whole process's per GiB moved. core-vt runs on"
                + " JDK 21+ virtual threads; the others on the JDK of the JMH runs. No error bars: three rounds.\n\n");
        if (rows.isEmpty()) {
            return s.append("Not measured in this run (no `connections.md`).\n\n").toString();
        }
        s.append("| driver | connections | GiB/s | CPU-s per GiB | rounds' GiB/s |\n|---|---|---|---|---|\n");
        for (Row r : rows) {
            s.append(String.format(Locale.ROOT, "| %s | %,d | %.2f | %.2f | %s |%n", r.driver, r.connections, r.gib,
                    r.cpuPerGib, r.range));
        }
        s.append("\n| ratio | GiB/s | CPU-s per GiB |\n|---|---|---|\n");
        for (int n : rows.stream().mapToInt(Row::connections).distinct().sorted().toArray()) {
            for (String other : List.of(NETTY_NIO, NETTY_EPOLL, CORE_VT)) {
                s.append(String.format(Locale.ROOT, "| ktor / %s, %,d connections | ", other, n))
                        .append(Format.ratioText(gib(KTOR, n), gib(other, n))).append(" | ")
                        .append(Format.ratioText(cpuPerGib(KTOR, n), cpuPerGib(other, n))).append(" |\n");
            }
        }
        return s.append("\n").toString();
    }
}
