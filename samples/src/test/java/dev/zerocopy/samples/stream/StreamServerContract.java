package dev.zerocopy.samples.stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/**
 * The stream server's HTTP behaviour, checked with the JDK's HttpClient and, where it would
 * normalise or refuse a request, raw requests on a plain socket. Bodies are compared byte
 * for byte with the files. Subclasses run it with the files on disk and in the cache.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class StreamServerContract {

    static final int MOVIE_SIZE = 32 << 20;
    static final String SECRET = "the secret outside the root";
    static final Instant CLIP_MODIFIED = Instant.parse("2020-01-02T03:04:05.123456789Z");

    /** Whether the server under test loads the files into its cache. */
    abstract boolean cache();

    Path dir;
    byte[] movie;
    byte[] clip;
    StreamServer server;
    HttpClient client;

    @BeforeAll
    void startServer() throws IOException {
        dir = Files.createTempDirectory("stream-server");
        Path root = Files.createDirectories(dir.resolve("root"));
        Path outside = Files.createDirectories(dir.resolve("outside"));
        movie = randomBytes(MOVIE_SIZE, 6);
        clip = randomBytes(100_003, 7);
        Files.write(root.resolve("movie.mp4"), movie);
        Files.write(Files.createDirectories(root.resolve("sub")).resolve("clip.webm"), clip);
        Files.writeString(root.resolve("small.txt"), "small\n");
        Files.write(root.resolve("empty.bin"), new byte[0]);
        Files.writeString(outside.resolve("secret.txt"), SECRET);
        Files.createSymbolicLink(root.resolve("escape.txt"), outside.resolve("secret.txt"));
        Files.createSymbolicLink(root.resolve("outside-dir"), outside);
        Files.createSymbolicLink(root.resolve("alias.mp4"), root.resolve("movie.mp4"));

        Files.setLastModifiedTime(root.resolve("sub/clip.webm"), FileTime.from(CLIP_MODIFIED));

        StreamConfig config = new StreamConfig(root);
        config.setCache(cache());
        config.setLiveLimit(64L << 20);
        server = StreamServer.start(config);
        client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    void stopServer() throws IOException {
        server.close();
        assertFalse(server.isRunning());
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }

    /** Whatever a test sent, the server still answers everyone else. */
    @AfterEach
    void serverStillServes() throws Exception {
        HttpResponse<String> response = client.send(request("/small.txt").build(), BodyHandlers.ofString());
        assertEquals(200, response.statusCode());
        assertEquals("small\n", response.body());
    }

    @Test
    void getWithoutRangeReturnsTheWholeFileWithLengthTypeAndAcceptRanges() throws Exception {
        HttpResponse<byte[]> response = client.send(request("/movie.mp4").build(), BodyHandlers.ofByteArray());

        assertEquals(200, response.statusCode());
        assertArrayEquals(movie, response.body());
        assertEquals(String.valueOf(MOVIE_SIZE), header(response, "Content-Length"));
        assertEquals("video/mp4", header(response, "Content-Type"));
        assertEquals("bytes", header(response, "Accept-Ranges"));
        assertEquals("", header(response, "Content-Range"));
    }

    @Test
    void contentTypeFollowsTheExtension() throws Exception {
        HttpResponse<byte[]> clipResponse = client.send(request("/sub/clip.webm").build(), BodyHandlers.ofByteArray());
        HttpResponse<byte[]> binResponse = client.send(request("/empty.bin").build(), BodyHandlers.ofByteArray());

        assertEquals("video/webm", header(clipResponse, "Content-Type"));
        assertArrayEquals(clip, clipResponse.body());
        assertEquals("application/octet-stream", header(binResponse, "Content-Type"));
        assertEquals("0", header(binResponse, "Content-Length"));
        assertEquals(0, binResponse.body().length);
    }

    @Test
    void headSendsTheHeadersOfGetWithoutABody() throws Exception {
        HttpResponse<byte[]> whole = client.send(
                request("/movie.mp4").method("HEAD", BodyPublishers.noBody()).build(), BodyHandlers.ofByteArray());
        HttpResponse<byte[]> ranged = client.send(
                request("/movie.mp4").method("HEAD", BodyPublishers.noBody()).header("Range", "bytes=10-19").build(),
                BodyHandlers.ofByteArray());

        assertEquals(200, whole.statusCode());
        assertEquals(String.valueOf(MOVIE_SIZE), header(whole, "Content-Length"));
        assertEquals(0, whole.body().length);
        assertEquals(206, ranged.statusCode());
        assertEquals("10", header(ranged, "Content-Length"));
        assertEquals("bytes 10-19/" + MOVIE_SIZE, header(ranged, "Content-Range"));
        assertEquals(0, ranged.body().length);
    }

    @Test
    void closedRangeReturnsExactlyThoseBytes() throws Exception {
        HttpResponse<byte[]> response = getRange("/movie.mp4", "bytes=1000-2999999");

        assertEquals(206, response.statusCode());
        assertEquals("bytes 1000-2999999/" + MOVIE_SIZE, header(response, "Content-Range"));
        assertEquals("2999000", header(response, "Content-Length"));
        assertArrayEquals(Arrays.copyOfRange(movie, 1000, 3_000_000), response.body());
    }

    @Test
    void rangeEndingPastTheEndIsCutAtTheEnd() throws Exception {
        HttpResponse<byte[]> response = getRange("/sub/clip.webm", "bytes=100000-999999");

        assertEquals(206, response.statusCode());
        assertEquals("bytes 100000-100002/100003", header(response, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(clip, 100_000, 100_003), response.body());
    }

    @Test
    void openRangeReturnsTheRestOfTheFile() throws Exception {
        HttpResponse<byte[]> response = getRange("/movie.mp4", "bytes=30000000-");

        assertEquals(206, response.statusCode());
        assertEquals("bytes 30000000-" + (MOVIE_SIZE - 1) + "/" + MOVIE_SIZE, header(response, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(movie, 30_000_000, MOVIE_SIZE), response.body());
    }

    @Test
    void suffixRangeReturnsTheLastBytes() throws Exception {
        HttpResponse<byte[]> last = getRange("/movie.mp4", "bytes=-4096");
        HttpResponse<byte[]> moreThanAll = getRange("/sub/clip.webm", "bytes=-99999999");

        assertEquals(206, last.statusCode());
        assertEquals("bytes " + (MOVIE_SIZE - 4096) + "-" + (MOVIE_SIZE - 1) + "/" + MOVIE_SIZE, header(last, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(movie, MOVIE_SIZE - 4096, MOVIE_SIZE), last.body());
        assertEquals(206, moreThanAll.statusCode());
        assertEquals("bytes 0-100002/100003", header(moreThanAll, "Content-Range"));
        assertArrayEquals(clip, moreThanAll.body());
    }

    @Test
    void rangeStartingAtOrPastTheEndIs416WithTheSize() throws Exception {
        HttpResponse<String> atEnd = client.send(
                request("/movie.mp4").header("Range", "bytes=" + MOVIE_SIZE + "-").build(), BodyHandlers.ofString());
        HttpResponse<String> emptySuffix = client.send(
                request("/movie.mp4").header("Range", "bytes=-0").build(), BodyHandlers.ofString());
        HttpResponse<String> ofEmptyFile = client.send(
                request("/empty.bin").header("Range", "bytes=0-0").build(), BodyHandlers.ofString());

        assertEquals(416, atEnd.statusCode());
        assertEquals("bytes */" + MOVIE_SIZE, header(atEnd, "Content-Range"));
        assertTrue(atEnd.body().contains("starts at " + MOVIE_SIZE), atEnd.body());
        assertEquals(416, emptySuffix.statusCode());
        assertEquals(416, ofEmptyFile.statusCode());
        assertEquals("bytes */0", header(ofEmptyFile, "Content-Range"));
    }

    @Test
    void multipleRangesAre416AndMalformedRangesAre400() throws Exception {
        HttpResponse<String> two = client.send(
                request("/movie.mp4").header("Range", "bytes=0-1,5-6").build(), BodyHandlers.ofString());

        assertEquals(416, two.statusCode());
        assertEquals("bytes */" + MOVIE_SIZE, header(two, "Content-Range"));
        assertTrue(two.body().contains("2 ranges"), two.body());
        for (String malformed : List.of("bytes=abc", "bytes=9-2", "bytes=", "bytes=1-2-3", "bytes0-1")) {
            try (RawHttp raw = new RawHttp(server.getPort())) {
                RawHttp.Response response = raw.send(
                        "GET /movie.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: " + malformed + "\r\n\r\n").read();
                assertEquals(400, response.status(), malformed + ": " + response.text());
                assertTrue(raw.serverClosed(), "a 400 ends the connection");
            }
        }
    }

    @Test
    void rangeOfAnotherUnitIsIgnored() throws Exception {
        HttpResponse<byte[]> response = getRange("/sub/clip.webm", "items=0-5");

        assertEquals(200, response.statusCode());
        assertArrayEquals(clip, response.body());
    }

    @Test
    void pathsThatEscapeTheRootAre404AndNothingOutsideIsRead() throws Exception {
        try (RawHttp raw = new RawHttp(server.getPort())) {
            assertEquals(404, raw.get("http://127.0.0.1/etc/passwd").status());
            assertEquals(404, raw.get("http://127.0.0.1/%2e%2e/outside/secret.txt").status());
        }
        List<String> escapes = List.of(
                "/../outside/secret.txt",
                "/sub/../../outside/secret.txt",
                "/%2e%2e/outside/secret.txt",
                "/%2E%2E/%2e%2e/etc/passwd",
                "/sub/..%2f..%2foutside%2fsecret.txt",
                "/..%5coutside%5csecret.txt",
                "//etc/passwd",
                "/%2fetc%2fpasswd",
                "/etc/passwd",
                "/escape.txt",
                "/outside-dir/secret.txt",
                "/small.txt%00.mp4",
                "/sub/./clip.webm",
                "/sub");
        try (RawHttp raw = new RawHttp(server.getPort())) {
            for (String target : escapes) {
                RawHttp.Response response = raw.get(target);
                assertEquals(404, response.status(), target + ": " + response.text());
                assertFalse(response.text().contains(SECRET), target);
            }
            // 404s keep the connection: all of these went over one.
            assertEquals(200, raw.get("/sub/clip.webm").status());
        }
    }

    @Test
    void targetsThatAreNotPathsOrBadlyEscapedAre400() throws Exception {
        for (String target : List.of("ftp://127.0.0.1/small.txt", "*", "/bad%zzescape", "/half%2", "/%ff%fe")) {
            try (RawHttp raw = new RawHttp(server.getPort())) {
                RawHttp.Response response = raw.get(target);
                assertEquals(400, response.status(), target + ": " + response.text());
            }
        }
    }

    @Test
    void symlinkThatStaysInsideTheRootIsServed() throws Exception {
        HttpResponse<byte[]> response = getRange("/alias.mp4", "bytes=0-65535");

        assertEquals(206, response.statusCode());
        assertArrayEquals(Arrays.copyOfRange(movie, 0, 65536), response.body());
    }

    @Test
    void keepAliveServesSequentialAndPipelinedRequestsOnOneConnection() throws Exception {
        long acceptedBefore = server.connectionsAccepted();
        try (RawHttp raw = new RawHttp(server.getPort())) {
            for (int i = 0; i < 5; i++) {
                RawHttp.Response response = raw.send(
                        "GET /movie.mp4 HTTP/1.1\r\nHost: 127.0.0.1\r\nRange: bytes=" + (i * 1000) + "-" + (i * 1000 + 999) + "\r\n\r\n")
                        .read();
                assertEquals(206, response.status());
                assertEquals("keep-alive", response.header("Connection"));
                assertArrayEquals(Arrays.copyOfRange(movie, i * 1000, i * 1000 + 1000), response.body());
            }
            raw.send("HEAD /small.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /small.txt HTTP/1.1\r\nHost: a\r\n\r\n");
            assertEquals("6", raw.read(true).header("Content-Length"));
            assertEquals("small\n", raw.read().text());
        }
        assertEquals(acceptedBefore + 1, server.connectionsAccepted());
    }

    @Test
    void httpClientReusesItsConnection() throws Exception {
        getRange("/movie.mp4", "bytes=0-0"); // the pool holds a connection from here on
        long acceptedBefore = server.connectionsAccepted();
        for (int i = 0; i < 20; i++) {
            HttpResponse<byte[]> response = getRange("/movie.mp4", "bytes=" + i + "-" + (i + 99));
            assertArrayEquals(Arrays.copyOfRange(movie, i, i + 100), response.body());
        }
        assertEquals(acceptedBefore, server.connectionsAccepted());
    }

    @Test
    void http10AndConnectionCloseEndTheConnectionAfterTheResponse() throws Exception {
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send("GET /small.txt HTTP/1.0\r\n\r\n").read();
            assertEquals(200, response.status());
            assertEquals("close", response.header("Connection"));
            assertTrue(raw.serverClosed());
        }
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send("GET /small.txt HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").read();
            assertEquals("small\n", response.text());
            assertTrue(raw.serverClosed());
        }
    }

    @Test
    void headsOver16KiBAre431AndLongRequestLinesAre414() throws Exception {
        String filler = "X-Filler: " + "f".repeat(1000) + "\r\n";
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send("GET /small.txt HTTP/1.1\r\nHost: a\r\n" + filler.repeat(17) + "\r\n").read();
            assertEquals(431, response.status(), response.text());
            assertTrue(raw.serverClosed());
        }
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send("GET /small.txt HTTP/1.1\r\nHost: a\r\nX-Long: " + "l".repeat(9000) + "\r\n\r\n").read();
            assertEquals(431, response.status(), response.text());
        }
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send("GET /" + "u".repeat(9000) + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
            assertEquals(414, response.status(), response.text());
        }
        try (RawHttp raw = new RawHttp(server.getPort())) {
            // Just under the limit is fine.
            RawHttp.Response response = raw.send("GET /small.txt HTTP/1.1\r\nHost: a\r\n" + filler.repeat(15) + "\r\n").read();
            assertEquals(200, response.status());
        }
    }

    @Test
    void malformedHeadsAndUnsupportedRequestsGetTheirStatus() throws Exception {
        record Case(String request, int status) {
        }
        for (Case c : List.of(
                new Case("GET /small.txt HTTP/1.1\r\n\r\n", 400), // no Host
                new Case("GET /small.txt HTTP/2.0\r\nHost: a\r\n\r\n", 505),
                new Case("GARBAGE\r\n\r\n", 400),
                new Case("GET /small.txt HTTP/1.1\r\nHost: a\r\nNo colon here\r\n\r\n", 400),
                new Case("DELETE /small.txt HTTP/1.1\r\nHost: a\r\n\r\n", 405),
                new Case("PUT /small.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc", 405),
                new Case("PUT /live/x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 411),
                new Case("PUT /live/x HTTP/1.1\r\nHost: a\r\n\r\n", 411),
                new Case("PUT /live/../x HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n\r\nx", 400),
                new Case("GET /live/nothing-here HTTP/1.1\r\nHost: a\r\n\r\n", 404))) {
            try (RawHttp raw = new RawHttp(server.getPort())) {
                RawHttp.Response response = raw.send(c.request()).read();
                assertEquals(c.status(), response.status(), c.request() + " -> " + response.text());
            }
        }
    }

    @Test
    void twoHostHeadersOrControlCharactersInTheHeadAre400() throws Exception {
        for (String request : List.of(
                "GET /small.txt HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET /small.txt HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
                "GET /small.txt HTTP/1.1\r\nHost: a\r\nX-Note: a\u0000b\r\n\r\n",
                "GET /small.txt HTTP/1.1\r\nHost: a\r\nX-Note: \u001b[31mred\r\n\r\n",
                "GET /small.txt HTTP/1.1\r\nHost: a\r\nRange: bytes=0-1\u007f\r\n\r\n",
                "GET /small.txt HTTP/1.1\r\nHost: a\u0001\r\n\r\n")) {
            try (RawHttp raw = new RawHttp(server.getPort())) {
                RawHttp.Response response = raw.send(request).read();
                assertEquals(400, response.status(), request + " -> " + response.text());
            }
        }
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response tab = raw.send("GET /small.txt HTTP/1.1\r\nHost: a\r\nX-Note: a\tb\r\n\r\n").read();
            assertEquals(200, tab.status(), "a tab is allowed in a field value");
        }
    }

    @Test
    void absoluteFormTargetsAreServedLikeTheirPath() throws Exception {
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response small = raw.send("GET http://127.0.0.1:" + server.getPort() + "/small.txt HTTP/1.1\r\nHost: x\r\n\r\n").read();
            assertEquals(200, small.status(), small.text());
            assertEquals("small\n", small.text());
            RawHttp.Response clipRange = raw.send("GET HTTP://other.example/sub/clip.webm?t=1 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n").read();
            assertEquals(206, clipRange.status());
            assertArrayEquals(Arrays.copyOf(clip, 10), clipRange.body());
            assertEquals(404, raw.send("GET http://other.example HTTP/1.1\r\nHost: x\r\n\r\n").read().status());
        }
    }

    @Test
    void ifRangeSendsTheRangeOnlyIfTheValidatorStillMatches() throws Exception {
        HttpResponse<byte[]> first = getRange("/sub/clip.webm", "bytes=0-9");
        String etag = header(first, "ETag");
        String lastModified = header(first, "Last-Modified");
        assertEquals(206, first.statusCode());
        assertTrue(etag.matches("\"[0-9a-f]+-[0-9a-f]+\""), etag);
        assertEquals("Thu, 02 Jan 2020 03:04:05 GMT", lastModified);

        for (String matching : List.of(etag, lastModified)) {
            HttpResponse<byte[]> resumed = client.send(
                    request("/sub/clip.webm").header("Range", "bytes=10-19").header("If-Range", matching).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(206, resumed.statusCode(), matching);
            assertArrayEquals(Arrays.copyOfRange(clip, 10, 20), resumed.body());
        }
        for (String stale : List.of("\"0-0\"", "W/" + etag, "Fri, 03 Jan 2020 03:04:05 GMT", "yesterday")) {
            HttpResponse<byte[]> whole = client.send(
                    request("/sub/clip.webm").header("Range", "bytes=10-19").header("If-Range", stale).build(),
                    BodyHandlers.ofByteArray());
            assertEquals(200, whole.statusCode(), stale);
            assertArrayEquals(clip, whole.body(), stale);
            assertEquals("", header(whole, "Content-Range"));
        }
    }

    @Test
    void aContentLengthInOtherScriptsDigitsIsRefused() throws Exception {
        // U+0665, an Arabic-Indic five: a digit to Character.isDigit, not to HTTP or to a proxy.
        byte[] request = "PUT /live/u HTTP/1.1\r\nHost: a\r\nContent-Length: \u0665\r\n\r\nabcde"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (RawHttp raw = new RawHttp(server.getPort())) {
            RawHttp.Response response = raw.send(request).read();
            assertEquals(400, response.status(), response.text());
        }
    }

    @Test
    void aStalledClientDoesNotHoldUpOthers() throws Exception {
        try (RawHttp slow = new RawHttp(server.getPort());
                RawHttp uploading = new RawHttp(server.getPort())) {
            slow.send("GET /movie.mp4 HTTP/1.1\r\nHost: a\r\n"); // and never the blank line
            uploading.send("PUT /live/stalled HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nonly a few bytes");
            HttpResponse<byte[]> response = getRange("/movie.mp4", "bytes=-1000");
            assertArrayEquals(Arrays.copyOfRange(movie, MOVIE_SIZE - 1000, MOVIE_SIZE), response.body());
        }
    }

    @Test
    void livePutsLandAtTheirOffsetsAndGetServesTheContiguousPrefix() throws Exception {
        byte[] stream = randomBytes(3_000_000, 8);
        String url = "/live/cam.webm";

        assertEquals(204, put(url, stream, 1_000_000, 2_000_000, stream.length).statusCode());
        HttpResponse<byte[]> gap = client.send(request(url).build(), BodyHandlers.ofByteArray());
        assertEquals(200, gap.statusCode());
        assertEquals(0, gap.body().length, "the first chunk has not arrived, so nothing is visible");

        assertEquals(204, put(url, stream, 0, 1_000_000, stream.length).statusCode());
        HttpResponse<byte[]> two = client.send(request(url).build(), BodyHandlers.ofByteArray());
        assertArrayEquals(Arrays.copyOfRange(stream, 0, 2_000_000), two.body());
        assertEquals("video/webm", header(two, "Content-Type"));

        assertEquals(204, put(url, stream, 2_000_000, 3_000_000, stream.length).statusCode());
        HttpResponse<byte[]> all = client.send(request(url).build(), BodyHandlers.ofByteArray());
        assertArrayEquals(stream, all.body());

        HttpResponse<byte[]> range = getRange(url, "bytes=1999990-2000009");
        assertEquals(206, range.statusCode());
        assertEquals("bytes 1999990-2000009/3000000", header(range, "Content-Range"));
        assertArrayEquals(Arrays.copyOfRange(stream, 1_999_990, 2_000_010), range.body());
        HttpResponse<String> past = client.send(request(url).header("Range", "bytes=3000000-").build(), BodyHandlers.ofString());
        assertEquals(416, past.statusCode());
        assertEquals("bytes */3000000", header(past, "Content-Range"));

        HttpResponse<String> deleted = client.send(request(url).DELETE().build(), BodyHandlers.ofString());
        assertEquals(204, deleted.statusCode());
        assertEquals(404, client.send(request(url).build(), BodyHandlers.ofString()).statusCode());
    }

    @Test
    void livePutWithExpectContinueGetsAnInterimResponseFirst() throws Exception {
        byte[] stream = randomBytes(2_000_000, 9);
        HttpResponse<String> response = client.send(
                request("/live/expect.bin").expectContinue(true).PUT(BodyPublishers.ofByteArray(stream)).build(),
                BodyHandlers.ofString());

        assertEquals(204, response.statusCode());
        assertArrayEquals(stream, client.send(request("/live/expect.bin").build(), BodyHandlers.ofByteArray()).body());
        try (RawHttp raw = new RawHttp(server.getPort())) {
            raw.send("PUT /live/expect2.bin HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
            assertEquals(100, raw.read().status());
            assertEquals(204, raw.send("hello").read().status());
            assertEquals("hello", raw.get("/live/expect2.bin").text());
        }
    }

    @Test
    void livePutsOutsideTheTotalOrTheLimitAreRefusedAndChangeNothing() throws Exception {
        byte[] stream = randomBytes(1000, 10);
        String url = "/live/bounded.bin";
        assertEquals(204, put(url, stream, 0, 500, 1000).statusCode());

        HttpResponse<String> pastTotal = client.send(request(url).header("Content-Range", "bytes 900-1099/1000")
                .PUT(BodyPublishers.ofByteArray(new byte[200])).build(), BodyHandlers.ofString());
        HttpResponse<String> lengthMismatch = client.send(request(url).header("Content-Range", "bytes 500-599/1000")
                .PUT(BodyPublishers.ofByteArray(new byte[50])).build(), BodyHandlers.ofString());
        HttpResponse<String> otherTotal = client.send(request(url).header("Content-Range", "bytes 500-599/2000")
                .PUT(BodyPublishers.ofByteArray(new byte[100])).build(), BodyHandlers.ofString());
        HttpResponse<String> overlap = client.send(request(url).header("Content-Range", "bytes 400-599/1000")
                .PUT(BodyPublishers.ofByteArray(new byte[200])).build(), BodyHandlers.ofString());
        HttpResponse<String> overLimit = client.send(request("/live/huge.bin").header("Content-Range", "bytes 0-9/" + (100L << 20))
                .PUT(BodyPublishers.ofByteArray(new byte[10])).build(), BodyHandlers.ofString());
        HttpResponse<String> malformed = client.send(request(url).header("Content-Range", "bytes 5-/1000")
                .PUT(BodyPublishers.ofByteArray(new byte[10])).build(), BodyHandlers.ofString());

        assertEquals(400, pastTotal.statusCode());
        assertTrue(pastTotal.body().contains("outside the declared total of 1000"), pastTotal.body());
        assertEquals(400, lengthMismatch.statusCode());
        assertTrue(lengthMismatch.body().contains("covers 100 bytes but Content-Length is 50"), lengthMismatch.body());
        assertEquals(409, otherTotal.statusCode());
        assertEquals(409, overlap.statusCode());
        assertTrue(overlap.body().contains("overlap bytes 0-499"), overlap.body());
        assertEquals(413, overLimit.statusCode());
        assertTrue(overLimit.body().contains(String.valueOf(64L << 20)), overLimit.body());
        assertEquals(400, malformed.statusCode());
        assertEquals(404, client.send(request("/live/huge.bin").build(), BodyHandlers.ofString()).statusCode());

        HttpResponse<byte[]> after = client.send(request(url).build(), BodyHandlers.ofByteArray());
        assertArrayEquals(Arrays.copyOfRange(stream, 0, 500), after.body());
        assertEquals(204, put(url, stream, 500, 1000, 1000).statusCode());
        assertArrayEquals(stream, client.send(request(url).build(), BodyHandlers.ofByteArray()).body());
    }

    @Test
    void aClientThatLeavesMidBodyIsCleanedUpAndItsRangeCanBeSentAgain() throws Exception {
        byte[] stream = randomBytes(1_000_000, 11);
        String url = "/live/interrupted.bin";
        // A server of its own, so that its open-connection count is this test's alone.
        StreamConfig config = new StreamConfig(server.getRoot());
        config.setCache(cache());
        try (StreamServer own = StreamServer.start(config)) {
            try (RawHttp raw = new RawHttp(own.getPort())) {
                raw.send("PUT " + url + " HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n"
                        + "Content-Range: bytes 0-999999/1000000\r\n\r\n");
                raw.send(Arrays.copyOfRange(stream, 0, 300_000));
            }
            assertTrue(own.awaitConnectionsEnded(1, Duration.ofSeconds(10)), "the server noticed the client leave");

            try (RawHttp raw = new RawHttp(own.getPort())) {
                RawHttp.Response nothingYet = raw.get(url);
                assertEquals(200, nothingYet.status());
                assertEquals(0, nothingYet.body().length, "a partial upload is never visible");
                raw.send("PUT " + url + " HTTP/1.1\r\nHost: a\r\nContent-Length: 1000000\r\n"
                        + "Content-Range: bytes 0-999999/1000000\r\n\r\n");
                assertEquals(204, raw.send(stream).read().status(), "the range was released");
                assertArrayEquals(stream, raw.get(url).body());
            }
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.getPort() + path)).timeout(Duration.ofSeconds(20));
    }

    HttpResponse<byte[]> getRange(String path, String range) throws Exception {
        return client.send(request(path).header("Range", range).build(), BodyHandlers.ofByteArray());
    }

    HttpResponse<String> put(String path, byte[] stream, int from, int to, long total) throws Exception {
        return client.send(
                request(path).header("Content-Range", "bytes " + from + "-" + (to - 1) + "/" + total)
                        .PUT(BodyPublishers.ofByteArray(stream, from, to - from)).build(),
                BodyHandlers.ofString());
    }

    static String header(HttpResponse<?> response, String name) {
        return response.headers().firstValue(name).orElse("");
    }

    static byte[] randomBytes(int size, long seed) {
        byte[] bytes = new byte[size];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) random.nextInt();
        }
        return bytes;
    }

    static String ascii(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }
}
