package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60)
final class ViewPoolTest {

    private final ViewPool pool = new ViewPool(1 << 20);

    @AfterEach
    void everyViewWasReturned() {
        PoolFigures figures = pool.figures();
        assertEquals(0, figures.viewsOut(), figures.toString());
        assertEquals(figures.bytesHeld(), figures.bytesIdle(), figures.toString());
        assertTrue(figures.bytesHeld() <= figures.maxBytes(), figures.toString());
    }

    @Test
    void aViewHasTheSizeAskedForAndIsWritableDirectMemory() throws Exception {
        try (ByteView view = pool.acquire(5000)) {
            assertEquals(5000, view.size());
            assertTrue(view.isDirect());
            assertFalse(view.isReadOnly());
            assertTrue(view.isPooled());
            view.buffer().put(4999, (byte) 7);
            assertEquals(7, view.get(4999));
            PoolFigures figures = pool.figures();
            assertEquals(1, figures.viewsOut());
            assertEquals(5120, figures.bytesHeld(), "5000 rounds up to the 5 KiB class");
            assertEquals(0, figures.bytesIdle());
        }
    }

    @Test
    void releasedMemoryIsReusedWithoutAllocating() throws Exception {
        pool.acquire(10_000).close();
        pool.acquire(9_000).close();

        PoolFigures figures = pool.figures();
        assertEquals(1, figures.misses(), "10,000 and 9,000 bytes share the 10 KiB class");
        assertEquals(10240, figures.bytesIdle());
    }

    @Test
    void releasingTwiceFailsAndReturnsTheMemoryOnce() throws Exception {
        ByteView view = pool.acquire(4096);
        view.close();

        IllegalStateException twice = assertThrows(IllegalStateException.class, view::close);

        assertEquals("pooled view of 4096 bytes released twice: close() must be called once per acquire()",
                twice.getMessage());
        ByteView first = pool.acquire(4096);
        ByteView second = pool.acquire(4096);
        assertEquals(2, pool.figures().misses(), "the second acquisition needed memory of its own");
        first.buffer().put(0, (byte) 1);
        assertEquals(0, second.get(0), "the two owners do not share memory");
        first.close();
        second.close();
    }

    @Test
    void aReleasedViewAndItsSlicesRefuseToReachTheMemory() throws Exception {
        ByteView view = pool.acquire(100);
        ByteView slice = view.slice(10, 20);
        ByteView readOnly = view.readOnly();
        view.close();
        ByteView next = pool.acquire(100);

        for (ByteView stale : List.of(view, slice, readOnly)) {
            IllegalStateException used = assertThrows(IllegalStateException.class, stale::buffer);
            assertEquals("pooled view of 100 bytes used after release: its memory is back in the pool",
                    used.getMessage());
            assertThrows(IllegalStateException.class, () -> stale.get(0));
            assertThrows(IllegalStateException.class, () -> stale.slice(1));
            assertThrows(IllegalStateException.class, stale::toByteArray);
            assertThrows(IllegalStateException.class, stale::asInts);
            assertThrows(IllegalStateException.class, () -> ZeroCopy.sendFrom(new TestChannels.RecordingSink(), stale));
            assertThrows(IllegalStateException.class, stale::close);
        }
        assertTrue(view.toString().contains("released"), view.toString());
        next.close();
    }

    @Test
    void closingASliceReleasesTheWholeAcquisition() throws Exception {
        ByteView view = pool.acquire(100);

        view.slice(50).close();

        assertEquals(0, pool.figures().viewsOut());
        assertThrows(IllegalStateException.class, view::close);
    }

    @Test
    void viewsNotFromAPoolIgnoreClose() {
        ByteView heap = ByteView.allocate(10);
        heap.close();
        heap.close();
        assertFalse(heap.isPooled());
        assertEquals(10, heap.buffer().capacity());
    }

    @Test
    void thePoolNeverHoldsMoreThanItsBound() throws Exception {
        List<ByteView> out = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            out.add(pool.acquire(256 << 10));
        }

        assertNull(pool.tryAcquire(1), "the pool is at its bound");
        CompletableFuture<ByteView> waiting = pool.acquireAsync(4096);
        assertFalse(waiting.isDone());
        assertEquals(1 << 20, pool.figures().bytesHeld());

        out.remove(0).close();

        ByteView served = waiting.get(10, TimeUnit.SECONDS);
        assertEquals(4096, served.size());
        PoolFigures figures = pool.figures();
        assertEquals(1, figures.waits());
        assertEquals((3 << 18) + 4096, figures.bytesHeld(), "the idle 256 KiB buffer was freed to make room");
        served.close();
        out.forEach(ByteView::close);
    }

    @Test
    void aRequestLargerThanTheBoundIsRefusedAtOnce() {
        IllegalArgumentException tooLarge = assertThrows(IllegalArgumentException.class,
                () -> pool.acquire((1 << 20) + 1));

        assertEquals("cannot acquire 1048577 bytes (1310720 pooled) from a pool bounded at 1048576 bytes;"
                + " a pooled view holds at most 2147483647 bytes", tooLarge.getMessage());
        assertThrows(IllegalArgumentException.class, () -> pool.acquire(-1));
    }

    @Test
    void aCancelledWaiterHoldsNobodyUp() throws Exception {
        ByteView all = pool.acquire(1 << 20);
        CompletableFuture<ByteView> cancelled = pool.acquireAsync(4096);
        CompletableFuture<ByteView> next = pool.acquireAsync(8192);

        cancelled.cancel(false);
        all.close();

        next.get(10, TimeUnit.SECONDS).close();
        ByteView now = pool.tryAcquire(4096);
        assertNotNull(now, "nothing waits any more");
        now.close();
    }

    @Test
    void aThreadInterruptedWhileWaitingHoldsNothing() throws Exception {
        ByteView all = pool.acquire(1 << 20);
        LinkedBlockingQueue<Throwable> outcome = new LinkedBlockingQueue<>();
        Thread waiter = new Thread(() -> {
            try {
                pool.acquire(4096).close();
                outcome.add(new AssertionError("acquired while the pool was full"));
            } catch (Throwable t) {
                outcome.add(t);
            }
        });
        waiter.start();
        awaitWaits(1);

        waiter.interrupt();

        assertEquals(InterruptedException.class, outcome.poll(10, TimeUnit.SECONDS).getClass());
        all.close();
        assertEquals(0, pool.figures().viewsOut());
    }

    @Test
    void manyThreadsNeverShareMemory() throws Exception {
        ViewPool small = new ViewPool(64 << 10);
        int threads = 8;
        int rounds = 2000;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Long>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            byte mark = (byte) (t + 1);
            results.add(executor.submit(() -> {
                start.await();
                long checked = 0;
                for (int i = 0; i < rounds; i++) {
                    int size = 1000 + (i * 7919 + mark * 31) % 15_000;
                    try (ByteView view = small.acquire(size)) {
                        ByteBuffer buffer = view.buffer();
                        for (int j = 0; j < size; j += 512) {
                            buffer.put(j, mark);
                        }
                        Thread.onSpinWait();
                        for (int j = 0; j < size; j += 512) {
                            if (buffer.get(j) != mark) {
                                throw new AssertionError("byte " + j + " of a held view was overwritten");
                            }
                            checked++;
                        }
                    }
                }
                return checked;
            }));
        }
        start.countDown();
        long checked = 0;
        for (Future<Long> result : results) {
            checked += result.get(60, TimeUnit.SECONDS);
        }
        executor.shutdown();

        assertTrue(checked > threads * rounds);
        PoolFigures figures = small.figures();
        assertEquals(0, figures.viewsOut(), figures.toString());
        assertEquals(figures.bytesHeld(), figures.bytesIdle());
        assertTrue(figures.bytesHeld() <= 64 << 10, figures.toString());
    }

    @Test
    void aDroppedViewIsReportedWithWhereItWasAcquiredAndItsMemoryReturns() throws Exception {
        LinkedBlockingQueue<ViewLeak> reports = new LinkedBlockingQueue<>();
        pool.onLeak(reports::add);
        pool.sampleLeakStacks(1);
        dropAView();

        ViewLeak leak = awaitReport(reports);

        assertNotNull(leak, "no leak report within 30 s of collections");
        assertEquals(3000, leak.byteCount());
        StringWriter trace = new StringWriter();
        leak.acquiredAt().printStackTrace(new PrintWriter(trace));
        assertTrue(trace.toString().contains("dropAView"), trace.toString());
        PoolFigures figures = pool.figures();
        assertEquals(1, figures.leaks());
        assertEquals(0, figures.viewsOut());
        assertEquals(4096, figures.bytesIdle(), "the leaked memory is back in the pool");
    }

    @Test
    void anUnsampledLeakIsStillCountedAndReturned() throws Exception {
        LinkedBlockingQueue<ViewLeak> reports = new LinkedBlockingQueue<>();
        pool.onLeak(reports::add);
        dropAView();

        ViewLeak leak = awaitReport(reports);

        assertNotNull(leak);
        assertNull(leak.acquiredAt());
        assertTrue(leak.toString().contains("sampleLeakStacks(1)"), leak.toString());
        assertEquals(1, pool.figures().leaks());
    }

    /**
     * Without a listener the report goes to the System.Logger "dev.zerocopy.ViewPool"; with
     * no other logging provider on the class path that is java.util.logging, so a handler
     * on the logger of that name sees it.
     */
    @Test
    void withoutAListenerALeakIsLoggedAtWarningWithWhereItWasAcquired() throws Exception {
        LinkedBlockingQueue<LogRecord> records = new LinkedBlockingQueue<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord record) {
                records.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger logger = Logger.getLogger("dev.zerocopy.ViewPool"); // held: JUL keeps loggers weakly
        boolean parentHandlers = logger.getUseParentHandlers();
        logger.addHandler(capture);
        logger.setUseParentHandlers(false);
        try {
            pool.sampleLeakStacks(1);
            dropAView();

            LogRecord record = awaitReport(records);

            assertNotNull(record, "no log record within 30 s of collections");
            assertEquals(Level.WARNING, record.getLevel());
            assertEquals("dev.zerocopy.ViewPool", record.getLoggerName());
            assertEquals("pooled view of 3000 bytes became unreachable without close(); "
                    + "acquired at the stack trace attached", record.getMessage());
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            assertTrue(trace.toString().contains("dropAView"), trace.toString());
            assertEquals(1, pool.figures().leaks());
        } finally {
            logger.removeHandler(capture);
            logger.setUseParentHandlers(parentHandlers);
        }
    }

    @Test
    void aPooledFrameIsReleasedWhenThePayloadFailsToArrive() throws Exception {
        byte[] wire = new byte[8 + 40];
        ByteBuffer.wrap(wire).putLong(100);

        EndOfStreamException eof = assertThrows(EndOfStreamException.class,
                () -> Frames.recvFrame(TestChannels.source(wire), 1000, pool, null));

        assertEquals(40, eof.transferred());
        assertEquals(0, pool.figures().viewsOut());
    }

    @Test
    void aPooledFrameArrivesWhole() throws Exception {
        byte[] payload = Bytes.random(3000, 31);
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        Frames.sendFrame(sink, ByteView.wrap(payload));

        try (ByteView received = Frames.recvFrame(TestChannels.source(sink.bytes()), 4096, pool, null)) {
            assertArrayEquals(payload, received.toByteArray());
            assertTrue(received.isPooled());
        }
    }

    @Test
    void waitingForPooledMemoryTimesOutWithTheCounts() throws Exception {
        TestChannels.RecordingSink sink = new TestChannels.RecordingSink();
        Frames.sendFrame(sink, ByteView.wrap(new byte[3000]));
        ByteView all = pool.acquire(1 << 20);
        try (java.nio.channels.Pipe.SourceChannel source = openedSource(sink.bytes())) {
            TransferTimeoutException timeout = assertThrows(TransferTimeoutException.class,
                    () -> Frames.recvFrame(source, 4096, pool, java.time.Duration.ofMillis(200)));
            assertEquals(0, timeout.transferred());
            assertEquals(3000, timeout.byteCount());
        }
        all.close();
    }

    private static java.nio.channels.Pipe.SourceChannel openedSource(byte[] bytes) throws Exception {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        pipe.sink().write(ByteBuffer.wrap(bytes));
        pipe.sink().close();
        pipe.source().configureBlocking(false);
        return pipe.source();
    }

    /** Collects garbage until a leak report arrives, for at most 30 s; null if none did. */
    private static <T> T awaitReport(LinkedBlockingQueue<T> reports) throws InterruptedException {
        T leak = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (leak == null && System.nanoTime() < deadline) {
            System.gc();
            leak = reports.poll(100, TimeUnit.MILLISECONDS);
        }
        return leak;
    }

    private void dropAView() throws InterruptedException {
        ByteView dropped = pool.acquire(3000);
        dropped.buffer().put(0, (byte) 1);
    }

    /** Waits, bounded in time, until {@code count} acquisitions have had to wait. */
    private void awaitWaits(long count) throws TimeoutException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (pool.figures().waits() < count) {
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("no waiter within 10 s");
            }
            Thread.sleep(1);
        }
    }

}
