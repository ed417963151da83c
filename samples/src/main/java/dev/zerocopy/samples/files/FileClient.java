package dev.zerocopy.samples.files;

import dev.zerocopy.ByteView;
import dev.zerocopy.FileOptions;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.Frames;
import dev.zerocopy.ZeroCopy;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** Fetches one file from a {@link FileServer}, blocking, on whatever thread calls it. */
public final class FileClient {

    private FileClient() {
    }

    /**
     * Asks {@code server} for {@code name} and writes the answer to {@code target}
     * (created if missing) with {@link ZeroCopy#recvFile}.
     *
     * @param server the server's address
     * @param name the file's name on the server
     * @param target where to write it
     * @param options the file mode and the deadline of the whole receive
     * @return the finished receive: bytes, the mode that ran
     * @throws java.io.FileNotFoundException if the server has no such file
     * @throws IOException if the connection fails or the deadline passes
     */
    public static FileTransfer fetch(InetSocketAddress server, String name, Path target, FileOptions options)
            throws IOException {
        try (SocketChannel connection = SocketChannel.open(server)) {
            Frames.sendFrame(connection, ByteView.wrap(name.getBytes(StandardCharsets.UTF_8)));
            ByteView header = ByteView.allocate(Frames.HEADER_SIZE);
            ZeroCopy.recvInto(connection, header);
            int size = Frames.payloadSize(header, Integer.MAX_VALUE);
            if (size == 0) {
                throw new java.io.FileNotFoundException(name + " on " + server);
            }
            return ZeroCopy.recvFile(connection, target, 0, size, options);
        }
    }
}
