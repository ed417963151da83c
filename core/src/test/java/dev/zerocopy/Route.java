package dev.zerocopy;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * The ways bytes travel in the contract tests: real loopback sockets in both
 * modes, a pipe, and awkward channels over a pipe. Each test that takes a Route
 * runs once per constant.
 */
enum Route {
    SOCKET_BLOCKING(10 << 20) {
        @Override
        Ends open() throws IOException {
            Loopback loopback = Loopback.open();
            return new Ends(loopback.client, loopback.server, loopback);
        }
    },
    SOCKET_NON_BLOCKING(10 << 20) {
        @Override
        Ends open() throws IOException {
            Loopback loopback = Loopback.open().nonBlocking();
            return new Ends(loopback.client, loopback.server, loopback);
        }
    },
    PIPE_NON_BLOCKING(10 << 20) {
        @Override
        Ends open() throws IOException {
            Pipe pipe = Pipe.open();
            pipe.sink().configureBlocking(false);
            pipe.source().configureBlocking(false);
            return new Ends(pipe.sink(), pipe.source(), () -> closeBoth(pipe));
        }
    },
    /** One byte per call: slow, so it moves less. */
    ONE_BYTE_AT_A_TIME(256 << 10) {
        @Override
        Ends open() throws IOException {
            return throttled(TestChannels.oneByte(), TestChannels.oneByte());
        }
    },
    RANDOM_PARTIAL(10 << 20) {
        @Override
        Ends open() throws IOException {
            return throttled(TestChannels.randomPartial(1), TestChannels.randomPartial(2));
        }
    },
    ZEROES_FIRST(10 << 20) {
        @Override
        Ends open() throws IOException {
            return throttled(TestChannels.zeroesFirst(), TestChannels.zeroesFirst());
        }
    };

    /** The size of the payload a round trip over this route moves. */
    final int payloadSize;

    Route(int payloadSize) {
        this.payloadSize = payloadSize;
    }

    abstract Ends open() throws IOException;

    /** The two ends of a route: what is written to {@code sink} is read from {@code source}. */
    record Ends(WritableByteChannel sink, ReadableByteChannel source, AutoCloseable resources)
            implements AutoCloseable {
        @Override
        public void close() throws Exception {
            resources.close();
        }

        /** Ends the stream: the reader sees end of stream after what was sent. */
        void closeSink() throws IOException {
            sink.close();
        }
    }

    private static Ends throttled(TestChannels.Allowance writes, TestChannels.Allowance reads) throws IOException {
        Pipe pipe = Pipe.open();
        return new Ends(TestChannels.throttle(pipe.sink(), writes), TestChannels.throttle(pipe.source(), reads),
                () -> closeBoth(pipe));
    }

    private static void closeBoth(Pipe pipe) throws IOException {
        try (Pipe.SinkChannel sink = pipe.sink(); Pipe.SourceChannel source = pipe.source()) {
            // both closed
        }
    }
}
