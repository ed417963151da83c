package dev.zerocopy.benchmarks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.SplittableRandom;

/**
 * The file the file benchmarks send: made once per size and kept in the directory
 * named by {@code ZEROCOPY_BENCH_DIR} (the system temporary directory by default),
 * where the Python reference finds it too.
 */
final class BenchFiles {

    /** Environment variable naming the directory of the benchmark file. */
    static final String DIR_VARIABLE = "ZEROCOPY_BENCH_DIR";

    private static final int CHUNK = 1 << 20;

    private BenchFiles() {
    }

    /** Returns the path of the benchmark file of {@code size} bytes, writing it first if it is missing. */
    static Path prepare(long size) throws IOException {
        String dir = System.getenv(DIR_VARIABLE);
        Path directory = Paths.get(dir != null && !dir.isEmpty() ? dir : System.getProperty("java.io.tmpdir"));
        Files.createDirectories(directory);
        Path file = directory.resolve("zerocopy-bench-" + size + ".bin");
        if (Files.isRegularFile(file) && Files.size(file) == size) {
            return file;
        }
        // Pseudo-random content, so no filesystem can store it as holes or compress it.
        Path partial = Files.createTempFile(directory, "zerocopy-bench-", ".partial");
        try (FileChannel out = FileChannel.open(partial, StandardOpenOption.WRITE)) {
            ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
            SplittableRandom random = new SplittableRandom(size);
            for (long written = 0; written < size; ) {
                chunk.clear();
                while (chunk.remaining() >= Long.BYTES) {
                    chunk.putLong(random.nextLong());
                }
                chunk.flip().limit((int) Math.min(CHUNK, size - written));
                while (chunk.hasRemaining()) {
                    written += out.write(chunk, written);
                }
            }
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(partial);
            throw e;
        }
        return Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /**
     * Reads the whole file once, so that its pages are in the page cache: pages idle for
     * about a minute are evicted on this machine, so this runs right before the measurement.
     */
    static void readOnce(FileChannel file) throws IOException {
        ByteBuffer chunk = ByteBuffer.allocateDirect(CHUNK);
        long size = file.size();
        for (long position = 0; position < size; ) {
            chunk.clear();
            int read = file.read(chunk, position);
            if (read < 0) {
                throw new IOException("file ended at " + position + " of " + size + " bytes");
            }
            position += read;
        }
    }
}
