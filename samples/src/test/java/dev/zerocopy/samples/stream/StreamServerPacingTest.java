package dev.zerocopy.samples.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Slow readers are served at their pace; a reader that leaves is logged with the bytes that went out. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
final class StreamServerPacingTest {

    static final int SIZE = 16 << 20;

    @TempDir
    Path root;

    private StreamServer start(Duration stall) throws Exception {
        return start(stall, FileMode.AUTO);
    }

    private StreamServer start(Duration stall, FileMode mode) throws Exception {
        Files.write(root.resolve("big.bin"), StreamServerContract.randomBytes(SIZE, 11));
        StreamConfig config = new StreamConfig(root);
        config.setStallTimeout(stall);
        config.setFileOptions(FileOptions.defaults().withMode(mode));
        return StreamServer.start(config);
    }

    private static Socket connect(int port) throws Exception {
        Socket socket = new Socket();
        socket.setReceiveBufferSize(64 << 10); // before connecting, so the window stays small
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(10_000);
        return socket;
    }

    @ParameterizedTest
    @EnumSource(value = FileMode.class, names = {"ZERO_COPY", "COPY"})
    void aSlowButSteadyReaderGetsTheWholeBodyThoughItTakesLongerThanTheStallTimeout(FileMode mode) throws Exception {
        // 16 MiB at about 3 MB/s takes several stall timeouts of 2 s; with one step of 8 MiB
        // that had to complete within the timeout, the response was cut after the first one.
        // The timeout counts from the last byte the server could write: the kernel's send
        // buffer (megabytes on loopback) must drain by about a third before the next write,
        // which takes this reader well under the timeout even on a loaded machine.
        try (StreamServer server = start(Duration.ofSeconds(2), mode); Socket socket = connect(server.getPort())) {
            byte[] expected = Files.readAllBytes(root.resolve("big.bin"));
            socket.getOutputStream().write("GET /big.bin HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = new String(readHead(in), StandardCharsets.ISO_8859_1);
            assertTrue(head.startsWith("HTTP/1.1 200 "), head);
            byte[] body = new byte[SIZE];
            int received = 0;
            long started = System.nanoTime();
            while (received < SIZE) {
                int chunk = Math.min(64 << 10, SIZE - received);
                int read = in.readNBytes(body, received, chunk);
                assertEquals(chunk, read, "the server ended the body after " + (received + read) + " bytes");
                received += read;
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // pacing the reader, not synchronising
            }
            assertTrue(System.nanoTime() - started > TimeUnit.SECONDS.toNanos(2), "the reader was not slower than the stall timeout");
            assertArrayEquals(expected, body);
            assertEquals(1, server.requestCount());
        }
    }

    @Test
    void aReaderThatLeavesMidBodyIsLoggedWithTheBytesThatWentOut() throws Exception {
        try (CapturedErr err = new CapturedErr(); StreamServer server = start(Duration.ofSeconds(30))) {
            try (Socket socket = connect(server.getPort())) {
                socket.getOutputStream().write("GET /big.bin?cut HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = socket.getInputStream();
                readHead(in);
                assertEquals(1 << 20, in.readNBytes(new byte[1 << 20], 0, 1 << 20));
                socket.setSoLinger(true, 0); // a reset, as a browser that seeks away sends
            }
            Matcher line = err.await("GET /big\\.bin\\?cut .* status=200 bytes=(\\d+) mode=(\\S+) reason=(\\S+) ", 20_000);
            long bytes = Long.parseLong(line.group(1));
            // What the client read went out, and the reset came before the whole body.
            assertTrue(bytes >= 1 << 20 && bytes < SIZE, line.group());
            assertEquals(server.bodyBytesSent(), bytes, line.group());
            assertTrue(line.group(2).equals("ZERO_COPY") || line.group(2).equals("COPY"), line.group());
            // A copy-loop body says why, a zero-copy one has no reason. The reason is AUTO's choice,
            // or TRANSFER_TO_FAILED: the reset failed transferTo, and the library tried the copy loop.
            if (line.group(2).equals("COPY")) {
                assertTrue(line.group(3).equals("AUTO_MEASURED_COPY") || line.group(3).equals("TRANSFER_TO_FAILED"), line.group());
            } else {
                assertEquals("-", line.group(3), line.group());
            }
        }
    }

    @Test
    void aReaderThatStopsIsCutAfterTheStallTimeoutAndTheLogCountsExactlyTheBytesItCanStillRead() throws Exception {
        try (CapturedErr err = new CapturedErr(); StreamServer server = start(Duration.ofSeconds(1))) {
            try (Socket socket = connect(server.getPort())) {
                socket.getOutputStream().write("GET /big.bin?stop HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                // Reads nothing until the server gives up on it: the log line is written then.
                Matcher line = err.await("GET /big\\.bin\\?stop .* status=200 bytes=(\\d+) mode=(\\S+) reason=\\S+ us=\\d+ note=\"([^\"]*)\"", 20_000);
                long logged = Long.parseLong(line.group(1));
                assertTrue(line.group(3).startsWith("client stopped reading: " + logged + " of " + SIZE + " body bytes sent, then none for 1s"),
                        line.group());
                InputStream in = socket.getInputStream();
                readHead(in);
                // The server closed after its last byte: what it logged is exactly what is left to read.
                long received = in.transferTo(java.io.OutputStream.nullOutputStream());
                assertEquals(logged, received, line.group());
                assertTrue(received > 0 && received < SIZE, line.group());
                assertEquals(server.bodyBytesSent(), logged);
            }
        }
    }

    private static byte[] readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            assertTrue(b >= 0, "connection ended in the response head");
            head.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toByteArray();
    }
}
