package dev.zerocopy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Deliberately awkward channels. None is a SelectableChannel, so the loops must
 * cope with short and zero-byte calls without a selector to wait on.
 */
final class TestChannels {

    private TestChannels() {
    }

    /** How many bytes the next call may move: at least 0, at most what was asked. */
    interface Allowance {
        int next(int asked);
    }

    /** Moves one byte per call. */
    static Allowance oneByte() {
        return asked -> Math.min(asked, 1);
    }

    /** Moves a random amount, from 1 to all that was asked, per call. */
    static Allowance randomPartial(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        return asked -> asked == 0 ? 0 : 1 + random.nextInt(asked);
    }

    /** Reports zero progress three times, then moves everything asked, and again. */
    static Allowance zeroesFirst() {
        int[] calls = {0};
        return asked -> ++calls[0] % 4 == 0 ? asked : 0;
    }

    /** Never moves anything. */
    static Allowance never() {
        return asked -> 0;
    }

    /** Wraps a channel so that each call moves only what the allowance permits. */
    static Throttled throttle(java.nio.channels.Channel delegate, Allowance allowance) {
        return new Throttled(delegate, allowance);
    }

    static final class Throttled implements ByteChannel {
        private final java.nio.channels.Channel delegate;
        private final Allowance allowance;
        volatile long calls;

        Throttled(java.nio.channels.Channel delegate, Allowance allowance) {
            this.delegate = delegate;
            this.allowance = allowance;
        }

        @Override
        public int read(ByteBuffer target) throws IOException {
            calls++;
            int allowed = allowance.next(target.remaining());
            if (allowed == 0) {
                return 0;
            }
            int limit = target.limit();
            target.limit(target.position() + allowed);
            try {
                return ((ReadableByteChannel) delegate).read(target);
            } finally {
                target.limit(limit);
            }
        }

        @Override
        public int write(ByteBuffer source) throws IOException {
            calls++;
            int allowed = allowance.next(source.remaining());
            if (allowed == 0) {
                return 0;
            }
            int limit = source.limit();
            source.limit(source.position() + allowed);
            try {
                return ((WritableByteChannel) delegate).write(source);
            } finally {
                source.limit(limit);
            }
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public void close() throws IOException {
            delegate.close();
        }
    }

    /** An in-memory sink that accepts every byte and records the size of each call. */
    static final class RecordingSink implements GatheringByteChannel {
        private ByteBuffer received = ByteBuffer.allocate(1024);
        private long[] callSizes = new long[16];
        private int calls;
        private int maxBuffersPerCall;
        private boolean open = true;

        @Override
        public int write(ByteBuffer source) {
            return (int) write(new ByteBuffer[] {source}, 0, 1);
        }

        @Override
        public long write(ByteBuffer[] sources, int offset, int length) {
            long total = 0;
            maxBuffersPerCall = Math.max(maxBuffersPerCall, length);
            for (int i = offset; i < offset + length; i++) {
                int n = sources[i].remaining();
                ensure(n);
                received.put(sources[i]);
                total += n;
            }
            if (calls == callSizes.length) {
                callSizes = Arrays.copyOf(callSizes, calls * 2);
            }
            callSizes[calls++] = total;
            return total;
        }

        @Override
        public long write(ByteBuffer[] sources) {
            return write(sources, 0, sources.length);
        }

        private void ensure(int more) {
            if (received.remaining() < more) {
                ByteBuffer bigger = ByteBuffer.allocate(Math.max(received.capacity() * 2, received.position() + more));
                received.flip();
                bigger.put(received);
                received = bigger;
            }
        }

        int calls() {
            return calls;
        }

        int maxBuffersPerCall() {
            return maxBuffersPerCall;
        }

        long largestCall() {
            return Arrays.stream(callSizes, 0, calls).max().orElse(0);
        }

        byte[] bytes() {
            return Arrays.copyOf(received.array(), received.position());
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

    /** An in-memory source that serves the given bytes, then the end of stream. */
    static ReadableByteChannel source(byte[] bytes) {
        return java.nio.channels.Channels.newChannel(new java.io.ByteArrayInputStream(bytes));
    }
}
