import dev.zerocopy.ByteView;
import dev.zerocopy.ktor.SocketFutures;
import io.ktor.network.selector.SelectorManager;
import io.ktor.network.sockets.InetSocketAddress;
import io.ktor.network.sockets.ServerSocket;
import io.ktor.network.sockets.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

public final class QuickStartFutures {
    public static void main(String[] args) throws Exception {
        try (SelectorManager selector = SocketFutures.selectorManager();
             ServerSocket listener = SocketFutures.bind(selector, new InetSocketAddress("127.0.0.1", 0)).get()) {
            CompletableFuture<Socket> accepted = SocketFutures.accept(listener);
            try (Socket client = SocketFutures.connect(selector, listener.getLocalAddress()).get();
                 Socket server = accepted.get()) {
                CompletableFuture<Long> sent = SocketFutures.sendFrom(client, ByteView.allocateDirect(8 << 20));
                long received = SocketFutures.recvInto(server, ByteView.allocateDirect(8 << 20))
                        .orTimeout(10, TimeUnit.SECONDS) // a timeout cancels the receive; the socket stays usable
                        .get();
                System.out.println(received + " bytes received, " + sent.get() + " sent");
            }
        }
    }
}
