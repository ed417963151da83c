package dev.zerocopy.samples.stream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP/1.1 connection on a plain blocking socket, for what {@code HttpClient} will not
 * send: unnormalised paths, huge heads, pipelined requests, a body cut short. Reads time
 * out after 10 s, so a test fails instead of hanging.
 */
final class RawHttp implements AutoCloseable {

    /** A response: status, headers by lower-case name, body. */
    record Response(int status, Map<String, String> headers, byte[] body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    RawHttp send(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
        return this;
    }

    /** Reads one response; a response to HEAD (or a 1xx) has no body whatever its Content-Length says. */
    Response read(boolean head) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("connection ended after " + bytes.size() + " bytes of a response head");
            }
            bytes.write(b);
            matched = (b == "\r\n\r\n".charAt(matched)) ? matched + 1 : (b == '\r' ? 1 : 0);
            if (bytes.size() > 64 * 1024) {
                throw new IOException("response head passes 64 KiB");
            }
        }
        String[] lines = bytes.toString(StandardCharsets.ISO_8859_1).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new LinkedHashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), lines[i].substring(colon + 1).trim());
        }
        byte[] body = new byte[0];
        String length = headers.get("content-length");
        if (!head && status >= 200 && length != null) {
            body = in.readNBytes(Integer.parseInt(length));
            if (body.length != Integer.parseInt(length)) {
                throw new IOException("body ended after " + body.length + " of " + length + " bytes");
            }
        }
        return new Response(status, headers, body);
    }

    Response read() throws IOException {
        return read(false);
    }

    /** Sends one GET of {@code target} (sent as is) and reads its response. */
    Response get(String target) throws IOException {
        return send("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").read();
    }

    /** The client's port, which the server logs as the peer's. */
    int localPort() {
        return socket.getLocalPort();
    }

    /** Whether the server closed the connection: the next read sees the end of stream. */
    boolean serverClosed() throws IOException {
        try {
            return in.read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
