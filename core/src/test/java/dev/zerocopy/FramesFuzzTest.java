package dev.zerocopy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.net.ProtocolException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;

/**
 * The frame decoder under hostile bytes. In {@code mvn verify} this runs the committed
 * inputs in {@code FramesFuzzTestInputs/}; {@code fuzz/run.sh core FramesFuzzTest 60s}
 * fuzzes it. A frame either arrives whole and equal to the bytes after its header, or
 * fails with one of the documented exceptions, whose counts match the input.
 */
final class FramesFuzzTest {

    @FuzzTest
    void framesDecodeOrFailWithTheDocumentedExceptions(FuzzedDataProvider data) throws IOException {
        int maxSize = data.consumeInt(0, 1 << 16);
        boolean intoView = data.consumeBoolean();
        long seed = data.consumeLong();
        byte[] wire = data.consumeRemainingAsBytes();
        ReadableByteChannel source = partialReads(wire, seed);
        try {
            ByteView payload = intoView
                    ? Frames.recvFrame(source, ByteView.allocate(maxSize))
                    : Frames.recvFrame(source, maxSize);
            long declared = ByteBuffer.wrap(wire).order(ByteOrder.BIG_ENDIAN).getLong();
            assertEquals(declared, payload.size());
            assertArrayEquals(Arrays.copyOfRange(wire, 8, 8 + Math.toIntExact(payload.size())), payload.toByteArray());
        } catch (FrameTooLargeException tooLarge) {
            assertTrue(tooLarge.frameSize() > tooLarge.limit());
            assertEquals(maxSize, tooLarge.limit());
        } catch (ProtocolException negative) {
            assertTrue(ByteBuffer.wrap(wire).getLong() < 0);
        } catch (EndOfStreamException ended) {
            assertTrue(ended.transferred() < ended.byteCount());
            long arrived = wire.length < 8 ? wire.length : wire.length - 8;
            assertEquals(arrived, ended.transferred(), ended.getMessage());
        }
    }

    /**
     * A source of {@code wire} whose reads return from 1 to 8 bytes, chosen by {@code seed}
     * (a read of 0 would make the blocking loop pause, which slows fuzzing down).
     */
    private static ReadableByteChannel partialReads(byte[] wire, long seed) {
        ByteBuffer remaining = ByteBuffer.wrap(wire);
        return new ReadableByteChannel() {
            private long state = seed;

            @Override
            public int read(ByteBuffer dst) {
                if (!remaining.hasRemaining()) {
                    return -1;
                }
                state = state * 6364136223846793005L + 1442695040888963407L;
                int count = Math.min(1 + (int) (state >>> 61), Math.min(dst.remaining(), remaining.remaining()));
                dst.put(dst.position(), remaining, remaining.position(), count);
                dst.position(dst.position() + count);
                remaining.position(remaining.position() + count);
                return count;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
    }
}
