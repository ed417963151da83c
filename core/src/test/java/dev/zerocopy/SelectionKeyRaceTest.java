package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.Keys;
import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import org.junit.jupiter.api.Test;

/**
 * A channel closed on another thread cancels its key between a selector thread's validity
 * check and its next call on the key. The shared poller once let that exception escape a
 * release, so the releasing caller parked for good; the adapter's loop handed it to a caller
 * as a bare {@link CancelledKeyException} instead of a failure with counts
 * (SocketTransfersTest reproduces that one on real sockets).
 */
final class SelectionKeyRaceTest {

    @Test
    void aKeyCancelledAfterItsCheckIsReportedNotThrown() {
        SelectionKey key = new CancelledAfterCheck();
        assertTrue(key.isValid());
        assertFalse(Keys.setInterest(key, SelectionKey.OP_READ));
        assertEquals(-1, Keys.readyOps(key));
    }

    @Test
    void aLiveKeyIsUpdated() throws Exception {
        try (Loopback pair = Loopback.open().nonBlocking(); Selector selector = Selector.open()) {
            SelectionKey key = pair.client.register(selector, 0);
            assertTrue(Keys.setInterest(key, SelectionKey.OP_WRITE));
            assertEquals(SelectionKey.OP_WRITE, key.interestOps());
            assertEquals(1, selector.selectNow());
            assertEquals(SelectionKey.OP_WRITE, Keys.readyOps(key));
            pair.client.close();
            assertFalse(Keys.setInterest(key, SelectionKey.OP_READ));
            assertEquals(-1, Keys.readyOps(key));
        }
    }

    /** A key whose channel closed right after {@link #isValid()} said it was open. */
    private static final class CancelledAfterCheck extends SelectionKey {
        @Override
        public SelectableChannel channel() {
            throw new UnsupportedOperationException();
        }

        @Override
        public Selector selector() {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean isValid() {
            return true;
        }

        @Override
        public void cancel() {
        }

        @Override
        public int interestOps() {
            throw new CancelledKeyException();
        }

        @Override
        public SelectionKey interestOps(int ops) {
            throw new CancelledKeyException();
        }

        @Override
        public int readyOps() {
            throw new CancelledKeyException();
        }
    }
}
