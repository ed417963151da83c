package dev.zerocopy.internal;

import java.nio.channels.CancelledKeyException;
import java.nio.channels.SelectionKey;

/**
 * Selection-key updates that a close on another thread cannot turn into an unchecked
 * exception. Closing a channel cancels its keys at any moment, also between a
 * {@link SelectionKey#isValid()} check and the call it guards, so a selector's thread that
 * checks first still gets a {@link CancelledKeyException} now and then; escaping, that
 * exception skipped the rest of the thread's work.
 */
public final class Keys {

    private Keys() {
    }

    /**
     * Sets {@code key}'s interest to {@code ops}.
     *
     * @return false, having changed nothing, if the key was cancelled (its channel closed)
     */
    public static boolean setInterest(SelectionKey key, int ops) {
        try {
            key.interestOps(ops);
            return true;
        } catch (CancelledKeyException cancelled) {
            return false;
        }
    }

    /**
     * The readiness that {@code key}'s last select found, or -1 if the key was cancelled (its
     * channel closed) since.
     */
    public static int readyOps(SelectionKey key) {
        try {
            return key.readyOps();
        } catch (CancelledKeyException cancelled) {
            return -1;
        }
    }
}
