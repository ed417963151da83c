package dev.zerocopy.micrometer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.zerocopy.ByteView;
import dev.zerocopy.FallbackCode;
import dev.zerocopy.FileMode;
import dev.zerocopy.FileOptions;
import dev.zerocopy.TransferTimeoutException;
import dev.zerocopy.ViewPool;
import dev.zerocopy.ZeroCopy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.ref.WeakReference;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class ZeroCopyMetricsTest {

    @TempDir
    Path dir;

    @Test
    void theMetersMoveByTheBytesSentInEachMode() throws Exception {
        byte[] content = new byte[2_000_000];
        new Random(1).nextBytes(content);
        Path file = Files.write(dir.resolve("content.bin"), content);
        MeterRegistry registry = new SimpleMeterRegistry();
        new ZeroCopyMetrics(Tags.of("app", "test")).bindTo(registry);
        double zeroBefore = bytes(registry, "zero_copy");
        double copyBefore = bytes(registry, "copy");
        double forcedBefore = fallbacks(registry, FallbackCode.FORCED_COPY);
        double completedBefore = transfers(registry, "completed");

        try (FileChannel out = FileChannel.open(dir.resolve("a.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFile(file, out, 0, 1_234_567, FileOptions.defaults().withMode(FileMode.ZERO_COPY));
        }
        try (FileChannel out = FileChannel.open(dir.resolve("b.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFile(file, out, 11, 765_431, FileOptions.defaults().withMode(FileMode.COPY));
        }
        assertArrayEquals(Arrays.copyOfRange(content, 11, 11 + 765_431), Files.readAllBytes(dir.resolve("b.bin")));

        assertEquals(1_234_567, bytes(registry, "zero_copy") - zeroBefore);
        assertEquals(765_431, bytes(registry, "copy") - copyBefore);
        assertEquals(1, fallbacks(registry, FallbackCode.FORCED_COPY) - forcedBefore);
        assertEquals(2, transfers(registry, "completed") - completedBefore);
        assertEquals(0, registry.get("zerocopy.transfers.active").tag("app", "test").gauge().value());
        assertEquals(FallbackCode.values().length, registry.get("zerocopy.fallbacks").functionCounters().size());
    }

    @Test
    void theMetersKeepMovingAfterTheBinderIsDroppedAndCollected() throws Exception {
        Path file = Files.write(dir.resolve("content.bin"), new byte[300_000]);
        MeterRegistry registry = new SimpleMeterRegistry();
        // The usual idiom: bind and let the binder go. Micrometer holds a function counter's
        // object weakly, so meters reading through the binder froze at its collection.
        ZeroCopyMetrics binder = new ZeroCopyMetrics(Tags.of("app", "test"));
        binder.bindTo(registry);
        WeakReference<ZeroCopyMetrics> dropped = new WeakReference<>(binder);
        binder = null;
        for (int i = 0; i < 50 && dropped.get() != null; i++) {
            System.gc();
        }
        assumeTrue(dropped.get() == null, "the binder was not collected after 50 System.gc() calls");
        double copyBefore = bytes(registry, "copy");
        double completedBefore = transfers(registry, "completed");

        try (FileChannel out = FileChannel.open(dir.resolve("c.bin"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ZeroCopy.sendFile(file, out, 0, 300_000, FileOptions.defaults().withMode(FileMode.COPY));
        }

        assertEquals(300_000, bytes(registry, "copy") - copyBefore);
        assertEquals(1, transfers(registry, "completed") - completedBefore);
    }

    @Test
    void aTimeoutMovesTheTimeoutCounter() throws Exception {
        MeterRegistry registry = new SimpleMeterRegistry();
        new ZeroCopyMetrics(Tags.empty()).bindTo(registry);
        double before = registry.get("zerocopy.timeouts").functionCounter().count();
        Pipe pipe = Pipe.open();
        try (Pipe.SourceChannel source = pipe.source(); Pipe.SinkChannel sink = pipe.sink()) {
            source.configureBlocking(false);
            sink.write(ByteBuffer.wrap(new byte[3]));
            TransferTimeoutException timedOut = assertThrows(TransferTimeoutException.class,
                    () -> ZeroCopy.recvInto(source, ByteView.allocate(10), Duration.ofMillis(50)));
            assertEquals(3, timedOut.report().transferred());
        }
        assertEquals(1, registry.get("zerocopy.timeouts").functionCounter().count() - before);
        assertEquals(1, registry.find("zerocopy.cancellations").functionCounters().size());
    }

    @Test
    void aNamedPoolsFiguresAreGauges() throws Exception {
        ViewPool pool = new ViewPool(1 << 20);
        MeterRegistry registry = new SimpleMeterRegistry();
        new ZeroCopyMetrics().withPool("frames", pool).bindTo(registry);
        ByteView view = pool.acquire(1000);
        try {
            assertEquals(1, registry.get("zerocopy.pool.views.out").tag("pool", "frames").gauge().value());
            assertEquals(pool.figures().bytesHeld(),
                    registry.get("zerocopy.pool.bytes").tags("pool", "frames", "state", "held").gauge().value());
            assertEquals(1 << 20, registry.get("zerocopy.pool.max").tag("pool", "frames").gauge().value());
        } finally {
            view.close();
        }
        assertEquals(0, registry.get("zerocopy.pool.views.out").tag("pool", "frames").gauge().value());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ZeroCopyMetrics().withPool("frames", pool).withPool("frames", pool));
        assertEquals("a pool named frames was added already", e.getMessage());
    }

    private static double bytes(MeterRegistry registry, String mode) {
        return registry.get("zerocopy.bytes").tags("mode", mode, "app", "test").functionCounter().count();
    }

    private static double fallbacks(MeterRegistry registry, FallbackCode code) {
        return registry.get("zerocopy.fallbacks").tag("reason", code.name()).functionCounter().count();
    }

    private static double transfers(MeterRegistry registry, String outcome) {
        return registry.get("zerocopy.transfers").tag("outcome", outcome).functionCounter().count();
    }
}
