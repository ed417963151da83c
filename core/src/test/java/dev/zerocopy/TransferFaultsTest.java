package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.zerocopy.testing.Cpu;
import dev.zerocopy.testing.FaultProxy;
import dev.zerocopy.testing.FaultProxy.Direction;
import dev.zerocopy.testing.FaultProxy.Faults;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The transfer contract through a faulty network, for the blocking and the non-blocking
 * (selector) driver, with the fault in either direction, for every operation (views, frames,
 * files): every byte that arrives is the byte that was sent, in place; a transfer either
 * completes or fails with an exception that carries its counts; and a stalled transfer waits
 * instead of spinning.
 */
final class TransferFaultsTest {

    /** What moves through the proxy: {@link #SIZE} payload bytes each way. */
    enum Operation {
        /** {@code sendFrom} / {@code recvInto}. */
        VIEW(0),
        /** {@code sendFrame} / {@code recvFrame}: the 8-byte header first, counted by the sender only. */
        FRAME(Frames.HEADER_SIZE),
        /** {@code sendFile} / {@code recvFile}, file to file. */
        FILE(0);

        /** Bytes on the wire before the payload. */
        final int header;

        Operation(int header) {
            this.header = header;
        }
    }

    @TempDir
    Path dir;

    /** The faults, each placed {@link #AT} bytes into a {@link #SIZE}-byte transfer where it has a place. */
    enum Fault {
        ONE_BYTE_WRITES(Faults.NONE.withOneByteWrites()),
        DELAYED(Faults.NONE.withDelay(2)),
        STALLED(Faults.NONE.withStall(AT, STALL_MILLIS)),
        HALF_CLOSED(Faults.NONE.withHalfClose(AT)),
        RESET(Faults.NONE.withReset(AT));

        final Faults faults;

        Fault(Faults faults) {
            this.faults = faults;
        }
    }

    static final int SIZE = 48 << 10;
    static final int AT = 20_000;
    static final long STALL_MILLIS = 400;

    static Stream<Arguments> cases() {
        return Stream.of(Operation.values()).flatMap(operation -> Stream.of(false, true).flatMap(nonBlocking ->
                Stream.of(Direction.values()).flatMap(direction -> Stream.of(Fault.values()).map(fault ->
                        Arguments.of(operation, nonBlocking ? "non-blocking" : "blocking", direction, fault)))));
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void transfersThroughFaultsLoseNothingAndFailWithTheirCounts(Operation operation, String driver,
            Direction direction, Fault fault) throws Exception {
        byte[] payload = Bytes.random(SIZE, fault.ordinal() * 10L + direction.ordinal() + operation.ordinal() * 100L);
        Path sent = Files.write(dir.resolve("sent.bin"), payload);
        Path received = dir.resolve("received.bin");
        try (ServerSocketChannel listener = ServerSocketChannel.open()) {
            listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            try (FaultProxy proxy = FaultProxy.start((InetSocketAddress) listener.getLocalAddress(), direction,
                    fault.faults);
                    SocketChannel client = SocketChannel.open(proxy.address());
                    SocketChannel server = listener.accept()) {
                boolean nonBlocking = driver.equals("non-blocking");
                client.configureBlocking(!nonBlocking);
                server.configureBlocking(!nonBlocking);
                SocketChannel sink = direction == Direction.TO_TARGET ? client : server;
                SocketChannel source = direction == Direction.TO_TARGET ? server : client;

                ByteView into = ByteView.allocate(SIZE);
                // The CPU of the threads that drive the transfer (receiver, sender, poller),
                // not of the whole JVM: the proxy and anything else running must not count.
                Thread receiver = Thread.currentThread();
                Thread poller = nonBlocking ? Cpu.poller() : null;
                long receiverBefore = Cpu.threadNanos(receiver);
                long pollerBefore = poller == null ? 0 : Cpu.threadNanos(poller);
                AtomicLong senderCpu = new AtomicLong();
                long wallBefore = System.nanoTime();
                Background<Long> sender = Background.start(() -> {
                    try {
                        return switch (operation) {
                            case VIEW -> ZeroCopy.sendFrom(sink, ByteView.wrap(payload));
                            case FRAME -> Frames.sendFrame(sink, ByteView.wrap(payload));
                            case FILE -> ZeroCopy.sendFile(sent, sink).transferred();
                        };
                    } finally {
                        senderCpu.set(Cpu.threadNanos(Thread.currentThread()));
                    }
                });
                IOException failure = null;
                try (FileChannel file = FileChannel.open(received, StandardOpenOption.CREATE_NEW,
                        StandardOpenOption.READ, StandardOpenOption.WRITE)) {
                    switch (operation) {
                        case VIEW -> assertEquals(SIZE, ZeroCopy.recvInto(source, into));
                        case FRAME -> assertEquals(SIZE, Frames.recvFrame(source, into).size());
                        case FILE -> assertEquals(SIZE, ZeroCopy.recvFile(source, file, 0, SIZE).transferred());
                    }
                } catch (IOException e) {
                    failure = e;
                }
                if (operation == Operation.FILE) {
                    byte[] inFile = Files.readAllBytes(received);
                    into.slice(0, inFile.length).buffer().put(inFile);
                    long expected = failure instanceof TransferException t ? t.transferred()
                            : failure instanceof EndOfStreamException e ? e.transferred() : SIZE;
                    assertEquals(expected, inFile.length, "the file holds exactly the bytes received");
                }
                long wall = System.nanoTime() - wallBefore;
                long receiverCpu = Cpu.threadNanos(receiver) - receiverBefore;
                Thread pollerAfter = nonBlocking ? Cpu.poller() : null; // it may have started meanwhile
                long pollerCpu = pollerAfter == null ? 0
                        : Cpu.threadNanos(pollerAfter) - (pollerAfter == poller ? pollerBefore : 0);

                switch (fault) {
                    case ONE_BYTE_WRITES, DELAYED, STALLED -> {
                        if (failure != null) {
                            throw failure;
                        }
                        assertArrayEquals(payload, into.toByteArray());
                        assertEquals(SIZE + operation.header, sender.join());
                    }
                    case HALF_CLOSED -> {
                        EndOfStreamException ended = assertCounts(EndOfStreamException.class, failure);
                        assertEquals(AT - operation.header, ended.transferred(), ended.getMessage());
                        assertEquals(SIZE, ended.byteCount(), ended.getMessage());
                        assertPrefix(payload, into, AT - operation.header);
                        senderCompletesOrCarriesItsCounts(sender, SIZE + operation.header);
                    }
                    case RESET -> {
                        TransferException reset = assertCounts(TransferException.class, failure);
                        if (operation == Operation.FRAME && reset.byteCount() == Frames.HEADER_SIZE) {
                            // The reset overtook the header (the kernel drops a reset socket's
                            // unread bytes), so the counts name the header.
                            assertTrue(reset.transferred() < Frames.HEADER_SIZE, reset.getMessage());
                            assertPrefix(payload, into, 0);
                        } else {
                            assertTrue(reset.transferred() <= AT - operation.header, reset.getMessage());
                            assertEquals(SIZE, reset.byteCount(), reset.getMessage());
                            assertPrefix(payload, into, (int) reset.transferred());
                        }
                        senderCompletesOrCarriesItsCounts(sender, SIZE + operation.header);
                    }
                    default -> fail(fault.name());
                }
                if (fault == Fault.STALLED) {
                    assertTrue(wall >= TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS),
                            "the stall was not waited out: " + wall / 1_000_000 + " ms");
                    long cpu = receiverCpu + senderCpu.get() + pollerCpu;
                    // Waiting costs these threads about 1 ms; a spin got 130-160 ms of a 410 ms stall
                    // even with 7 runnable threads per core, so an eighth tells them apart, loaded or not.
                    assertTrue(cpu < wall / 8, "a stalled transfer used " + cpu / 1_000_000 + " ms of CPU in "
                            + wall / 1_000_000 + " ms (receiver " + receiverCpu / 1_000_000 + ", sender "
                            + senderCpu.get() / 1_000_000 + ", poller " + pollerCpu / 1_000_000 + "): it spins");
                }
            }
        }
    }

    private static <E extends IOException> E assertCounts(Class<E> type, IOException failure) {
        if (!type.isInstance(failure)) {
            throw new AssertionError("expected " + type.getSimpleName() + ", got " + failure, failure);
        }
        return type.cast(failure);
    }

    private static void assertPrefix(byte[] payload, ByteView into, int count) {
        assertArrayEquals(Arrays.copyOf(payload, count), into.slice(0, count).toByteArray(),
                "the bytes that arrived are the bytes sent, in place");
        assertArrayEquals(new byte[SIZE - count], into.slice(count).toByteArray(), "the rest is untouched");
    }

    /** A sender whose peer went away may still have finished into its socket buffer, or fails with its counts. */
    private static void senderCompletesOrCarriesItsCounts(Background<Long> sender, long byteCount) throws Exception {
        try {
            assertEquals(byteCount, sender.join());
        } catch (TransferException failed) {
            assertTrue(failed.transferred() <= byteCount, failed.getMessage());
            assertEquals(byteCount, failed.byteCount(), failed.getMessage());
        }
    }
}
