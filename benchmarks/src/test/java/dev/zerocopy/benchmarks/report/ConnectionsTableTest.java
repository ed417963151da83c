package dev.zerocopy.benchmarks.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ConnectionsTableTest {

    @Test
    void readsTheHarnessRowsByDriverAndSize(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("connections.md"), "| ktor | 5,000 | 1 MiB each way | 3.10 | 0.45 | 3.00-3.20 |\n"
                + "| netty-nio | 5,000 | 1 MiB each way | 2.50 | 0.55 | 2.40-2.60 |\n");

        ConnectionsTable table = ConnectionsTable.read(dir);

        assertEquals(3.10 / 2.50, Format.ratio(table.gib(ConnectionsTable.KTOR, 5000),
                table.gib(ConnectionsTable.NETTY_NIO, 5000)).orElseThrow().median(), 1e-9);
        assertEquals(Optional.empty(), table.gib(ConnectionsTable.KTOR, 1000));
    }

    @Test
    void aRowOfAnUnknownDriverFailsNamingIt(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("connections.md"), "| netty-nio-tuned | 5,000 | 1 MiB each way | 2.50 | 0.55 | 2.40-2.60 |\n");

        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ConnectionsTable.read(dir));

        assertEquals(dir.resolve("connections.md") + " has a row of driver netty-nio-tuned, which the report does not"
                + " know (renamed?); it knows [ktor, core-vt, netty-nio, netty-epoll, netty-io_uring]: | netty-nio-tuned"
                + " | 5,000 | 1 MiB each way | 2.50 | 0.55 | 2.40-2.60 |", e.getMessage());
    }
}
