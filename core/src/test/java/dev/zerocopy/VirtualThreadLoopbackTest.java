package dev.zerocopy;

import dev.zerocopy.internal.Calibration;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The virtual-thread contract with the echo peer in this JVM, over 127.0.0.1. */
final class VirtualThreadLoopbackTest extends VirtualThreadContract {

    private static EchoPeer peer;

    @BeforeAll
    static void startPeer() throws IOException {
        if (VirtualThreads.available()) {
            peer = EchoPeer.start(InetAddress.getLoopbackAddress());
        }
    }

    @AfterAll
    static void stopPeer() throws IOException {
        if (peer != null) {
            peer.close();
        }
    }

    @Override
    SocketChannel connect() throws IOException {
        return SocketChannel.open(peer.address());
    }

    @Override
    Calibration.PeerClass peers() {
        return Calibration.PeerClass.LOCAL;
    }
}
