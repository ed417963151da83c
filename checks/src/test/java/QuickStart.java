import dev.zerocopy.ByteView;
import dev.zerocopy.FileTransfer;
import dev.zerocopy.Frames;
import dev.zerocopy.ViewPool;
import dev.zerocopy.ZeroCopy;
import java.net.InetSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;

public final class QuickStart {
    public static void main(String[] args) throws Exception {
        try (ServerSocketChannel listener = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
             SocketChannel client = SocketChannel.open(listener.getLocalAddress());
             SocketChannel server = listener.accept()) {
            ByteView a = ByteView.allocateDirect(1000 * Double.BYTES); // numpy.zeros(1000)
            a.asDoubles().put(9, 9.0);
            ZeroCopy.sendFrom(client, a);                              // send_from(a, c)
            ByteView b = ByteView.allocateDirect(1000 * Double.BYTES);
            ZeroCopy.recvInto(server, b);                              // recv_into(b, c): all 8,000 bytes
            System.out.println(b.asDoubles().get(9));                  // 9.0: native order, like numpy
            Frames.sendFrame(client, b.slice(0, 80).readOnly());       // 8-byte size, then a window of b
            ViewPool pool = new ViewPool(64 << 20);                    // direct memory, reused frame after frame
            try (ByteView frame = Frames.recvFrame(server, 1 << 20, pool, null)) { // size unknown; at most 1 MiB
                System.out.println(frame.size() + " bytes framed");    // valid until close(): back to the pool
            }
            Path file = Files.write(Files.createTempFile("zerocopy", ".bin"), new byte[4096]);
            FileTransfer sent = ZeroCopy.sendFile(file, client);       // socket.sendfile()
            ZeroCopy.recvInto(server, ByteView.allocate(4096));
            System.out.println(sent.transferred() + " bytes by " + sent.mode()); // COPY: AUTO copies to this machine until it has measured
            Files.delete(file);
        }
    }
}
