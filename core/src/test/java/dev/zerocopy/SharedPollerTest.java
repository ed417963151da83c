package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.zerocopy.internal.Poller;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

final class SharedPollerTest {

    @Test
    void twoHundredWaitingPlatformThreadsShareOnePollersDescriptors() throws Exception {
        waitAndCountDescriptors(200, Executors.newFixedThreadPool(200));
    }

    @Test
    @Tag("virtual-threads")
    void twoThousandWaitingVirtualThreadsShareOnePollersDescriptors() throws Exception {
        waitAndCountDescriptors(2_000, VirtualThreads.perTaskExecutor());
    }

    /**
     * Many waits armed, then all woken at once, over and over: the poller handles releases
     * while other threads hand it more. A wakeup lost there (the selectNow after a release
     * ate it) left the last callers parked for good, since nothing else woke the poller.
     */
    @Test
    void waitsWokenTogetherAllGetTheirReleaseRoundAfterRound() throws Exception {
        int waits = 64;
        int rounds = 100;
        ExecutorService threads = Executors.newFixedThreadPool(waits);
        List<Loopback> pairs = new ArrayList<>();
        try {
            for (int i = 0; i < waits; i++) {
                pairs.add(Loopback.open().nonBlocking());
            }
            for (int round = 0; round < rounds; round++) {
                List<Future<byte[]>> calls = new ArrayList<>();
                for (Loopback pair : pairs) {
                    calls.add(threads.submit(() -> {
                        ByteView view = ByteView.allocate(1);
                        ZeroCopy.recvInto(pair.client, view, Duration.ofSeconds(60));
                        return view.toByteArray();
                    }));
                }
                awaitArmed(waits);
                for (Loopback pair : pairs) {
                    ZeroCopy.sendFrom(pair.server, ByteView.wrap(new byte[] {(byte) round}));
                }
                for (Future<byte[]> call : calls) {
                    // Each round takes milliseconds; a minute means a caller was never woken.
                    assertArrayEquals(new byte[] {(byte) round}, call.get(1, TimeUnit.MINUTES), "round " + round);
                }
            }
            assertEquals(0, Poller.shared().armed());
        } finally {
            threads.shutdownNow();
            for (Loopback pair : pairs) {
                pair.close();
            }
        }
    }

    private static void waitAndCountDescriptors(int waits, ExecutorService threads) throws Exception {
        List<Loopback> pairs = new ArrayList<>();
        try {
            for (int i = 0; i < waits; i++) {
                pairs.add(Loopback.open().nonBlocking());
            }
            Poller.shared(); // started before counting: its own descriptors are the point
            long before = openDescriptors();
            List<Future<byte[]>> calls = new ArrayList<>();
            for (Loopback pair : pairs) {
                calls.add(threads.submit(() -> {
                    ByteView view = ByteView.allocate(2);
                    ZeroCopy.recvInto(pair.client, view, Duration.ofSeconds(60));
                    return view.toByteArray();
                }));
            }
            awaitArmed(waits);
            long during = openDescriptors();

            assertTrue(during - before <= 8, waits + " waiting calls opened " + (during - before) + " descriptors");
            for (int i = 0; i < waits; i++) {
                ZeroCopy.sendFrom(pairs.get(i).server, ByteView.wrap(new byte[] {(byte) i, (byte) (i >> 8)}));
            }
            for (int i = 0; i < waits; i++) {
                assertArrayEquals(new byte[] {(byte) i, (byte) (i >> 8)}, calls.get(i).get(1, TimeUnit.MINUTES));
            }
            assertEquals(0, Poller.shared().armed());
            assertTrue(pairs.get(0).client.isOpen(), "a non-blocking channel stays open and usable");
            pairs.get(0).client.configureBlocking(true); // deregistered: a registered channel would refuse
        } finally {
            threads.shutdownNow();
            for (Loopback pair : pairs) {
                pair.close();
            }
        }
    }

    private static void awaitArmed(int waits) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (Poller.shared().armed() < waits) {
            assertTrue(System.nanoTime() < deadline, "only " + Poller.shared().armed() + " of " + waits + " armed");
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    private static long openDescriptors() throws IOException {
        try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
            return descriptors.count();
        }
    }
}
