package dev.zerocopy.benchmarks;

import java.nio.ByteBuffer;
import java.nio.channels.ReadableByteChannel;

/**
 * A channel that always has data: every read copies up to one source's worth of
 * bytes into the caller's buffer, as the seed's {@code FakeSocket} does. It takes the
 * network out of a measurement and leaves the copies and allocations of the receiving
 * code. Allocates nothing per read.
 */
final class InMemoryChannel implements ReadableByteChannel {

    private final ByteBuffer source;
    private boolean open = true;

    /** @param source the bytes every read serves from its start; used, not copied */
    InMemoryChannel(ByteBuffer source) {
        this.source = source.duplicate();
    }

    @Override
    public int read(ByteBuffer target) {
        int count = Math.min(target.remaining(), source.capacity());
        source.clear().limit(count);
        target.put(source);
        return count;
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        open = false;
    }
}
