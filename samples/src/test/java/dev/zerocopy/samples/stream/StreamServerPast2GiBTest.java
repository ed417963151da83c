package dev.zerocopy.samples.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.RandomAccessFile;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stream server past 2 GiB: a 3 GiB file in the cache (one view in pieces) and a
 * 3 GiB live stream. 6 GiB of direct memory, so only with -Pstress.
 */
@Tag("stress")
final class StreamServerPast2GiBTest {

    private static final long GIB = 1L << 30;

    @Test
    @Timeout(300)
    void aCachedFileAndALiveStreamOf3GiBServeAndTakeBytesPast2GiB(@TempDir Path dir) throws Exception {
        Path root = Files.createDirectories(dir.resolve("root"));
        long size = 3 * GIB;
        byte[] marks = {11, 22, 33, 44, 55, 66};
        long at = 2 * GIB - 3;
        try (RandomAccessFile file = new RandomAccessFile(root.resolve("big.bin").toFile(), "rw")) {
            file.setLength(size);
            file.seek(at);
            file.write(marks);
        }
        StreamConfig config = new StreamConfig(root);
        config.setCache(true);
        config.setCacheLimit(4 * GIB);
        config.setLiveLimit(4 * GIB);
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5)).build();
        try (StreamServer server = StreamServer.start(config)) {
            assertEquals(1, server.getCachedFiles());
            assertEquals(size, server.getCachedBytes());

            HttpResponse<byte[]> range = client.send(HttpRequest.newBuilder(URI.create(server.getBaseUrl() + "/big.bin"))
                    .header("Range", "bytes=" + at + "-" + (at + marks.length - 1)).build(), BodyHandlers.ofByteArray());

            assertEquals(206, range.statusCode());
            assertEquals("bytes " + at + "-" + (at + marks.length - 1) + "/" + size,
                    range.headers().firstValue("Content-Range").orElse(""));
            assertArrayEquals(marks, range.body());

            HttpResponse<String> put = client.send(HttpRequest.newBuilder(URI.create(server.getBaseUrl() + "/live/big.webm"))
                    .header("Content-Range", "bytes " + at + "-" + (at + marks.length - 1) + "/" + size)
                    .PUT(BodyPublishers.ofByteArray(marks)).build(), BodyHandlers.ofString());

            assertEquals(204, put.statusCode(), put.body());
        }
    }
}
