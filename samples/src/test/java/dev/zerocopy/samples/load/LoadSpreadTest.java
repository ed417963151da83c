package dev.zerocopy.samples.load;

import static dev.zerocopy.samples.load.LoadCommandTest.load;
import static dev.zerocopy.samples.load.LoadCommandTest.readJson;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.ByteView;
import dev.zerocopy.Frames;
import dev.zerocopy.samples.load.LoadCommandTest.Run;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code load} spread over child processes and source addresses, against a real
 * {@link EchoServer}: the merged report must add up to exactly what the server echoed,
 * and the server must have seen connections from every source address.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class LoadSpreadTest {

    private static final int FRAME = 4096;

    @TempDir
    Path dir;

    private static EchoServer echoServer() {
        return EchoServer.start("127.0.0.1", 0, 64 << 10, 16 << 20, line -> { });
    }

    @Test
    void twoProcessesFromTwoAddressesMergeToExactlyWhatTheServerEchoed() throws Exception {
        Path json = dir.resolve("spread.json");
        EchoServer server = echoServer();
        Run run;
        try (server) {
            run = load("--target", "127.0.0.1:" + server.getPort(), "--mode", "echo",
                    "--connections", "100", "--processes", "2", "--source", "127.0.0.1,127.0.0.2",
                    "--requests", "1000", "--duration", "30s", "--chunk", "4KiB",
                    "--jvm-option", "-Xmx256m", "--json", json.toString());
        }
        System.out.print(run.out()); // the report, for the build log
        assertEquals(0, run.status(), run.out() + run.err());
        Map<String, Double> report = readJson(json);
        assertEquals(2, report.get("processes").longValue());
        assertEquals(100, report.get("connections").longValue());
        assertEquals(100, report.get("connects").longValue(), "one keep-alive connection per worker");
        assertEquals(1000, report.get("requests").longValue(), "the count is shared, not repeated");
        assertEquals(1000L * FRAME, report.get("bytes").longValue());
        assertEquals(0, report.get("errors").longValue());
        assertTrue(report.get("latencyP50Micros") > 0, run.out());
        assertTrue(report.get("latencyP50Micros") <= report.get("latencyP99Micros"));
        assertTrue(report.get("latencyP99Micros") <= report.get("latencyMaxMicros"));
        // The load tester receives into views only: no file transfer, but it did wait for data.
        assertEquals(0, report.get("libraryFileTransfers").longValue());
        assertTrue(report.get("libraryWaits") > 0, run.out());
        // Closing the server joined its connections, so its counts are final.
        assertEquals(1000, server.framesEchoed());
        assertEquals(1000L * FRAME, server.bytesEchoed());
        assertEquals(100, server.connectionsAccepted());
        assertEquals(Map.of("127.0.0.1", 50L, "127.0.0.2", 50L), server.connectionsBySource());
        assertTrue(run.out().contains("spread    2 processes, connects by source address: 127.0.0.1 50, 127.0.0.2 50"), run.out());
        assertTrue(run.err().contains("process 1 of 2") && run.err().contains("process 2 of 2"), run.err());
    }

    @Test
    void sourceAddressesTakeTurnsInOneProcess() throws Exception {
        EchoServer server = echoServer();
        Run run;
        try (server) {
            run = load("--target", "127.0.0.1:" + server.getPort(), "--mode", "echo",
                    "--connections", "9", "--source", "127.0.0.2-4", "--requests", "90", "--chunk", "1KiB",
                    "--progress", "none");
        }
        assertEquals(0, run.status(), run.out() + run.err());
        assertEquals(Map.of("127.0.0.2", 3L, "127.0.0.3", 3L, "127.0.0.4", 3L), server.connectionsBySource());
        assertEquals(90, server.framesEchoed());
        assertTrue(run.out().contains("requests  90 "), run.out());
    }

    @Test
    void aChildThatFailsFailsTheRunWithItsOwnWords() throws Exception {
        EchoServer server = echoServer();
        try (server) {
            // Stream mode against an echo server: each child's HEAD probe gets no HTTP answer.
            Run run = load("--target", "127.0.0.1:" + server.getPort(), "--path", "/movie.mp4",
                    "--connections", "2", "--processes", "2", "--duration", "2s", "--timeout", "2s",
                    "--jvm-option", "-Xmx128m", "--progress", "none");

            assertEquals(1, run.status(), run.out() + run.err());
            assertTrue(run.err().contains("without a report"), run.err());
            assertTrue(run.err().contains("its standard error ends"), "the child's own message is passed on: " + run.err());
        }
    }

    @Test
    void anEchoThatDiffersIsAProtocolErrorNamingTheByte() throws Exception {
        // A stand-in echo server that flips byte 100 of every frame it sends back.
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0))) {
            Thread server = new Thread(() -> {
                while (listener.isOpen()) {
                    try (SocketChannel connection = listener.accept()) {
                        while (true) {
                            ByteView frame = Frames.recvFrame(connection, 1 << 20);
                            frame.buffer().put(100, (byte) (frame.get(100) ^ 1));
                            Frames.sendFrame(connection, frame);
                        }
                    } catch (IOException clientLeftOrListenerClosed) {
                        // next connection, or the end once the listener is closed
                    }
                }
            }, "flipping-echo");
            server.start();
            Run run = load("--target", "127.0.0.1:" + listener.socket().getLocalPort(), "--mode", "echo",
                    "--connections", "1", "--requests", "3", "--chunk", "1KiB", "--progress", "none");
            listener.close();
            server.join(10_000);

            assertEquals(1, run.status(), run.out());
            // Each failed echo drops its connection: three requests, three connections, three errors.
            assertTrue(run.out().contains("protocol 3"), run.out());
            assertTrue(run.out().contains("over 3 connects"), run.out());
            assertTrue(run.out().contains("came back as 1024 bytes, differing from byte 100"), run.out());
        }
    }

    @Test
    void connectionsPastOneProcessOrOneAddressAreRefusedWithTheFix() {
        Run tooManyForOne = load("--target", "127.0.0.1:9", "--mode", "echo", "--connections", "15000", "--duration", "1s");
        assertEquals(2, tooManyForOne.status());
        assertTrue(tooManyForOne.err().contains("add --processes 2"), tooManyForOne.err());

        Run tooManyForOneAddress = load("--target", "127.0.0.1:9", "--mode", "echo", "--connections", "30000",
                "--processes", "3", "--duration", "1s");
        assertEquals(2, tooManyForOneAddress.status());
        assertTrue(tooManyForOneAddress.err().contains("--source 127.0.0.1-2"), tooManyForOneAddress.err());

        Run remoteSource = load("--target", "127.0.0.1:9", "--mode", "echo", "--source", "192.0.2.7", "--duration", "1s");
        assertEquals(2, remoteSource.status());
        assertTrue(remoteSource.err().contains("192.0.2.7 is not a loopback address"), remoteSource.err());
    }
}
