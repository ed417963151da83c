package dev.zerocopy.samples.stream;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Standard error, where the samples' SLF4J backend writes (it looks up {@code System.err} at
 * every line), copied into a buffer a test can wait on while it is installed. Closing puts
 * the previous stream back.
 */
final class CapturedErr implements AutoCloseable {
    private final PrintStream previous = System.err;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();
    private final ByteArrayOutputStream text = new ByteArrayOutputStream();

    CapturedErr() {
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                previous.write(bytes, offset, length);
                lock.lock();
                try {
                    text.write(bytes, offset, length);
                    written.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    /** Waits, on a condition rather than by polling, until {@code regex} matches a line; fails after the timeout. */
    Matcher await(String regex, long timeoutMillis) throws InterruptedException {
        Pattern pattern = Pattern.compile(regex, Pattern.MULTILINE);
        long left = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        lock.lock();
        try {
            while (true) {
                Matcher match = pattern.matcher(text.toString(StandardCharsets.UTF_8));
                if (match.find()) {
                    return match;
                }
                if (left <= 0) {
                    throw new AssertionError("no line matched /" + regex + "/ within " + timeoutMillis + " ms; captured:\n" + text);
                }
                left = written.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        System.setErr(previous);
    }
}
