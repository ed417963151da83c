package dev.zerocopy.samples.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ByteView;
import dev.zerocopy.samples.Main;
import dev.zerocopy.samples.stream.StreamConfig;
import dev.zerocopy.samples.stream.StreamServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.DoubleBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Short {@code load} runs through the command line against a real stream server and a
 * stand-in arrays server, checking the numbers the run claims against what the servers did.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class LoadCommandTest {

    @TempDir
    Path dir;

    /** The command's exit status, standard output and error. */
    record Run(int status, String out, String err) {
    }

    static Run load(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] command = new String[args.length + 1];
        command[0] = "load";
        System.arraycopy(args, 0, command, 1, args.length);
        int status = Main.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(command);
        return new Run(status, out.toString(), err.toString());
    }

    static Map<String, Double> readJson(Path file) throws Exception {
        String json = Files.readString(file).trim();
        assertTrue(json.startsWith("{") && json.endsWith("}"), json);
        Map<String, Double> numbers = new HashMap<>();
        Matcher field = Pattern.compile("\"(\\w+)\": (-?[0-9]+(?:\\.[0-9]+)?)").matcher(json);
        while (field.find()) {
            numbers.put(field.group(1), Double.parseDouble(field.group(2)));
        }
        assertEquals(json.split(",").length, numbers.size(), "every field is a number: " + json);
        return numbers;
    }

    private StreamServer streamServer(int fileSize) throws Exception {
        byte[] movie = new byte[fileSize];
        new SplittableRandom(3).nextBytes(movie);
        Files.write(Files.createDirectories(dir.resolve("root")).resolve("movie.mp4"), movie);
        StreamConfig config = new StreamConfig(dir.resolve("root"));
        config.setAccessLog(false);
        return StreamServer.start(config);
    }

    @Test
    void streamLoadOf200ConnectionsHasNoErrorsAndReceivesExactlyWhatTheServerSent() throws Exception {
        int chunk = 256 << 10;
        Path json = dir.resolve("report.json");
        try (StreamServer server = streamServer(32 << 20)) {
            Run run = load("--target", "127.0.0.1:" + server.getPort(), "--path", "/movie.mp4",
                    "--connections", "200", "--duration", "3s", "--chunk", "256KiB",
                    "--json", json.toString(), "--progress", "line");

            System.out.print(run.out()); // the report, for the build log
            assertEquals(0, run.status(), run.out() + run.err());
            Map<String, Double> report = readJson(json);
            long requests = report.get("requests").longValue();
            long bytes = report.get("bytes").longValue();
            assertTrue(requests >= 200, "at least one request per connection: " + requests);
            assertEquals(0, report.get("errors").longValue(), run.out());
            assertEquals(200, report.get("connections").longValue());
            // Each response was checked to carry exactly the chunk asked for; the sum must be
            // what the server sent, and every request went over one keep-alive connection per
            // worker (plus the probe's HEAD on its own).
            assertEquals(requests * chunk, bytes);
            assertEquals(server.bodyBytesSent(), bytes);
            assertEquals(requests + 1, server.requestCount());
            long connects = report.get("connects").longValue();
            assertEquals(connects + 1, server.connectionsAccepted(), run.out());
            assertTrue(connects <= 200, "no connection was opened twice: " + run.out());
            assertTrue(report.get("gibPerSecond") > 0);
            assertTrue(report.get("latencyP50Micros") <= report.get("latencyP99Micros"));
            assertTrue(report.get("latencyP99Micros") <= report.get("latencyMaxMicros"));
            assertTrue(run.out().contains("requests  " + requests), run.out());
            assertTrue(run.out().contains("errors    0"), run.out());
            assertTrue(run.err().contains("GiB/s"), "a status line each second: " + run.err());
        }
    }

    @Test
    void requestCountStopsTheRunAtExactlyThatCount() throws Exception {
        Path json = dir.resolve("count.json");
        try (StreamServer server = streamServer(1 << 20)) {
            Run run = load("--target", "localhost:" + server.getPort(), "--path", "/movie.mp4",
                    "--connections", "16", "--requests", "300", "--duration", "60s", "--chunk", "4KiB",
                    "--json", json.toString(), "--progress", "none");

            assertEquals(0, run.status(), run.out() + run.err());
            Map<String, Double> report = readJson(json);
            assertEquals(300, report.get("requests").longValue());
            assertEquals(300 * 4096, report.get("bytes").longValue());
            assertTrue(report.get("seconds") < 30, "stopped by the count, not the duration");
            assertEquals(301, server.requestCount());
        }
    }

    @Test
    void arraysModeFetchesFramedArraysWithRecvFrame() throws Exception {
        int doubles = 100_000;
        ByteView payload = ByteView.allocateDirect(doubles * Double.BYTES);
        DoubleBuffer values = payload.asDoubles();
        for (int i = 0; i < doubles; i++) {
            values.put(i, i);
        }
        Path json = dir.resolve("arrays.json");
        FrameServer server = new FrameServer(payload);
        try (server) {
            Run run = load("--target", "127.0.0.1:" + server.port(), "--mode", "arrays",
                    "--connections", "8", "--requests", "200", "--chunk", "1MiB",
                    "--json", json.toString(), "--progress", "none");

            assertEquals(0, run.status(), run.out() + run.err());
            Map<String, Double> report = readJson(json);
            assertEquals(200, report.get("requests").longValue());
            assertEquals(200L * doubles * Double.BYTES, report.get("bytes").longValue());
            assertEquals(0, report.get("errors").longValue());
            assertEquals(200, report.get("connects").longValue());
        }
        // Closing joins the server's thread, so its count is final.
        assertEquals(200, server.served());
    }

    @Test
    void framesLargerThanTheChunkAreCountedAsFrameErrors() throws Exception {
        try (FrameServer server = new FrameServer(ByteView.allocateDirect(64 << 10))) {
            Run run = load("--target", "127.0.0.1:" + server.port(), "--mode", "arrays",
                    "--connections", "2", "--requests", "10", "--chunk", "32KiB", "--progress", "none");

            assertEquals(1, run.status(), run.out());
            assertTrue(run.out().contains("frame 10"), run.out());
            assertTrue(run.out().contains("65536"), "the message names the frame's size: " + run.out());
        }
    }

    @Test
    void errorsAreCountedByKindAndFailTheRun() throws Exception {
        try (StreamServer server = streamServer(1 << 20)) {
            Run run = load("--target", "127.0.0.1:" + server.getPort(), "--path", "/movie.mp4",
                    "--connections", "2", "--requests", "20", "--chunk", "2MiB", "--progress", "none");
            // The chunk is clamped to the file: ranges of the whole file, no errors.
            assertEquals(0, run.status(), run.out());
        }
        try (StreamServer server = streamServer(1 << 20)) {
            Run missing = load("--target", "127.0.0.1:" + server.getPort(), "--path", "/missing.mp4",
                    "--connections", "2", "--requests", "5", "--progress", "none");
            assertTrue(missing.status() != 0);
            assertTrue(missing.err().contains("404"), "the probe names the status: " + missing.err());
        }
    }

    @Test
    void remoteTargetsAreRefusedWithoutAllowRemote() {
        Run run = load("--target", "192.0.2.1:80", "--path", "/x", "--duration", "1s", "--progress", "none");

        assertEquals(2, run.status());
        assertTrue(run.err().contains("192.0.2.1 is not a loopback address"), run.err());
        assertTrue(run.err().contains("--allow-remote"), run.err());
    }

    @Test
    void streamModeNeedsAPath() {
        Run run = load("--target", "127.0.0.1:9", "--duration", "1s");

        assertEquals(2, run.status());
        assertTrue(run.err().contains("needs a path"), run.err());
    }
}
