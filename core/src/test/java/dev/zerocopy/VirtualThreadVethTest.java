package dev.zerocopy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.internal.Calibration;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.opentest4j.TestAbortedException;

/**
 * The virtual-thread contract with the echo peer in its own process inside a network
 * namespace, reached over a veth pair: a remote peer, for which AUTO keeps its own
 * measurements. Skips, saying why, where namespaces cannot be made.
 */
final class VirtualThreadVethTest extends VirtualThreadContract {

    private static NetworkNamespace namespace;
    private static InetSocketAddress peer;
    /** Why there is no peer, reported by every test that skips. */
    private static String noPeer;

    @BeforeAll
    static void startPeer() throws IOException {
        if (!VirtualThreads.available()) {
            return; // each test skips, saying why
        }
        try {
            namespace = NetworkNamespace.create();
        } catch (TestAbortedException cannot) {
            noPeer = cannot.getMessage();
            return;
        }
        peer = new InetSocketAddress(namespace.peerAddress(), namespace.startEchoPeer());
    }

    @BeforeEach
    void needsThePeer() {
        assumeTrue(noPeer == null, noPeer);
    }

    @AfterAll
    static void stopPeer() throws IOException {
        if (namespace != null) {
            namespace.close();
        }
    }

    @Override
    SocketChannel connect() throws IOException {
        return SocketChannel.open(peer);
    }

    @Override
    Calibration.PeerClass peers() {
        return Calibration.PeerClass.REMOTE;
    }
}
