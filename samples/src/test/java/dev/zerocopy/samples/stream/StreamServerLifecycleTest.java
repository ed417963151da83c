package dev.zerocopy.samples.stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.samples.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Starting on port 0, stopping cleanly, and the limits on connections. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class StreamServerLifecycleTest {

    @TempDir
    Path root;

    private StreamServer start(int maxConnections, Duration idleTimeout) throws Exception {
        Files.writeString(root.resolve("a.txt"), "abc");
        StreamConfig config = new StreamConfig(root);
        config.setMaxConnections(maxConnections);
        config.setIdleTimeout(idleTimeout);
        return StreamServer.start(config);
    }

    @Test
    void startsOnPortZeroAndReportsTheBoundPort() throws Exception {
        try (StreamServer server = start(16, Duration.ofSeconds(30))) {
            assertTrue(server.getPort() > 0);
            assertEquals("http://127.0.0.1:" + server.getPort(), server.getBaseUrl());
            assertTrue(server.isRunning());
            try (RawHttp raw = new RawHttp(server.getPort())) {
                assertEquals("abc", raw.get("/a.txt").text());
            }
        }
    }

    /**
     * The connections run on threads of the server's own, which close() stops: on the shared
     * scheduler, beside Ktor's read-channel coroutines on {@code Dispatchers.IO}, a worker can
     * park with the coroutines queued on it unstarted while the other workers stay busy.
     */
    @Test
    void connectionsRunOnTheServersOwnThreadsWhichCloseStops() throws Exception {
        Set<Thread> before = streamThreads();
        try (StreamServer server = start(16, Duration.ofSeconds(30))) {
            try (RawHttp raw = new RawHttp(server.getPort())) {
                assertEquals("abc", raw.get("/a.txt").text());
            }
            assertFalse(difference(streamThreads(), before).isEmpty(), "no stream-N threads: connections run on a shared dispatcher");
        }
        Set<Thread> left = difference(streamThreads(), before);
        for (Thread thread : left) {
            thread.join(10_000);
        }
        assertEquals(List.of(), left.stream().filter(Thread::isAlive).toList(), "threads still running after close()");
    }

    private static Set<Thread> streamThreads() {
        Set<Thread> threads = new HashSet<>();
        for (Thread thread : Thread.getAllStackTraces().keySet()) {
            if (thread.isAlive() && thread.getName().startsWith("stream-")) {
                threads.add(thread);
            }
        }
        return threads;
    }

    private static Set<Thread> difference(Set<Thread> all, Set<Thread> minus) {
        Set<Thread> rest = new HashSet<>(all);
        rest.removeAll(minus);
        return rest;
    }

    @Test
    void closeEndsEveryConnectionFreesThePortAndClosesTheSelector() throws Exception {
        StreamServer server = start(16, Duration.ofSeconds(30));
        int port = server.getPort();
        try (RawHttp served = new RawHttp(port); RawHttp idle = new RawHttp(port); RawHttp midHead = new RawHttp(port)) {
            assertEquals("abc", served.get("/a.txt").text());
            midHead.send("GET /a.txt HTTP/1.1\r\n");

            server.close();

            assertTrue(served.serverClosed());
            assertTrue(idle.serverClosed());
            assertTrue(midHead.serverClosed());
        }
        assertFalse(server.isRunning());
        assertEquals(0, server.openConnections());
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
        server.close(); // idempotent
        assertTrue(server.awaitClose(Duration.ZERO));
    }

    @Test
    void aServerThatServedAndStoppedLeavesNoFileDescriptorOpen() throws Exception {
        Path fds = Path.of("/proc/self/fd");
        assumeTrue(Files.isDirectory(fds), "needs /proc/self/fd");
        serveAndStop(); // loads the classes and opens the jars once
        Map<String, String> before = descriptors(fds);

        serveAndStop();

        // Compared by number and target, not counted: a count also moves when anything else in this JVM
        // opens or closes a descriptor meanwhile (a count once read 57 against 56, and said nothing of
        // which). A socket's target is "socket:[inode]", so a descriptor the server left open differs
        // from everything open before even where its number was reused. The bounded wait lets a
        // descriptor still being closed go; what stays is named in the failure.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        Map<String, String> opened = openedSince(before, fds);
        while (!opened.isEmpty() && System.nanoTime() < deadline) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            opened = openedSince(before, fds);
        }
        assertEquals(Map.of(), opened, "descriptors opened while serving and still open after close (number=target)");
    }

    private void serveAndStop() throws Exception {
        StreamServer server = start(16, Duration.ofSeconds(30));
        try (RawHttp first = new RawHttp(server.getPort()); RawHttp second = new RawHttp(server.getPort())) {
            assertEquals("abc", first.get("/a.txt").text());
            assertEquals("bc", second.send("GET /a.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=1-\r\n\r\n").read().text());
            server.close();
            assertTrue(first.serverClosed());
            assertTrue(second.serverClosed());
        }
    }

    /** This process's open descriptors, number to target, as /proc/self/fd links them. */
    private static Map<String, String> descriptors(Path dir) throws Exception {
        Map<String, String> targets = new TreeMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                try {
                    targets.put(entry.getFileName().toString(), Files.readSymbolicLink(entry).toString());
                } catch (NoSuchFileException closedMeanwhile) {
                    // The listing's own descriptor, or one closed between listing and reading.
                }
            }
        }
        return targets;
    }

    /**
     * The descriptors open now that were not open (with the same target) in {@code before}; the
     * class loader's jars are left out, since a class first needed now opens its jar for good.
     */
    private static Map<String, String> openedSince(Map<String, String> before, Path dir) throws Exception {
        Map<String, String> opened = descriptors(dir);
        opened.entrySet().removeIf(fd -> fd.getValue().equals(before.get(fd.getKey())) || fd.getValue().endsWith(".jar"));
        return opened;
    }

    @Test
    void connectionsOverTheLimitAre503AndLogged() throws Exception {
        try (CapturedErr err = new CapturedErr();
                StreamServer server = start(2, Duration.ofSeconds(30));
                RawHttp first = new RawHttp(server.getPort());
                RawHttp second = new RawHttp(server.getPort())) {
            assertEquals(200, first.get("/a.txt").status());
            assertEquals(200, second.get("/a.txt").status());
            try (RawHttp third = new RawHttp(server.getPort())) {
                RawHttp.Response refused = third.read();
                assertEquals(503, refused.status());
                assertTrue(refused.text().contains("limit of 2 connections"), refused.text());
                err.await("access - /127\\.0\\.0\\.1:" + third.localPort() + " - - range=\"-\" status=503 bytes=0 .*limit of 2 connections", 10_000);
            }
            assertEquals(200, first.get("/a.txt").status());
        }
    }

    @Test
    void idleKeepAliveConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
        try (StreamServer server = start(16, Duration.ofMillis(300)); RawHttp raw = new RawHttp(server.getPort())) {
            assertEquals(200, raw.get("/a.txt").status());
            assertTrue(raw.serverClosed());
            assertTrue(server.awaitOpenConnections(0, Duration.ofSeconds(10)));
        }
    }

    @Test
    void commandLineRefusesAMissingRoot() {
        StringWriter err = new StringWriter();
        CommandLine commandLine = Main.commandLine().setErr(new PrintWriter(err));

        int status = commandLine.execute("stream", "serve", "--root", root.resolve("missing").toString(), "--port", "0");

        assertEquals(2, status);
        assertTrue(err.toString().contains("is not a directory"), err.toString());
    }
}
