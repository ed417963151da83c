package dev.zerocopy;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Virtual threads for tests compiled for Java 17: the one JDK 21 call they need,
 * looked up at run time. Tests tagged {@code virtual-threads} run on JDK 21+ in the
 * core module's second surefire execution (see core/pom.xml) and skip, saying why,
 * on an older JVM.
 */
final class VirtualThreads {

    private static final MethodHandle PER_TASK_EXECUTOR = lookUp();

    private VirtualThreads() {
    }

    /** Skips the calling test, with the reason, where this JVM has no virtual threads. */
    static void assumeAvailable() {
        assumeTrue(PER_TASK_EXECUTOR != null, () -> "virtual threads need JDK 21+, and this is "
                + Runtime.version() + "; mvn verify runs the virtual-thread tests in a second surefire"
                + " execution on /usr/lib/jvm/temurin-25-jdk-amd64 where it exists");
    }

    static boolean available() {
        return PER_TASK_EXECUTOR != null;
    }

    /** {@code Executors.newVirtualThreadPerTaskExecutor()}. */
    static ExecutorService perTaskExecutor() {
        if (PER_TASK_EXECUTOR == null) {
            assumeAvailable(); // only here, so that the echo peer's own process needs no JUnit
        }
        try {
            return (ExecutorService) PER_TASK_EXECUTOR.invokeExact();
        } catch (Throwable unexpected) {
            throw new AssertionError("cannot make a virtual-thread executor", unexpected);
        }
    }

    /** A thread per task, virtual, closed by try-with-resources (Java 17 has no closeable executor). */
    static Threads threads() {
        return new Threads(perTaskExecutor());
    }

    /** An executor that interrupts and waits for whatever is still running when it is closed. */
    static final class Threads implements AutoCloseable {
        private final ExecutorService executor;

        private Threads(ExecutorService executor) {
            this.executor = executor;
        }

        <T> Future<T> submit(Callable<T> task) {
            return executor.submit(task);
        }

        @Override
        public void close() throws InterruptedException {
            executor.shutdownNow();
            if (!executor.awaitTermination(1, TimeUnit.MINUTES)) {
                throw new AssertionError("virtual threads still running a minute after shutdownNow");
            }
        }
    }

    private static MethodHandle lookUp() {
        try {
            return MethodHandles.publicLookup().findStatic(java.util.concurrent.Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class));
        } catch (NoSuchMethodException | IllegalAccessException beforeJdk21) {
            return null;
        }
    }
}
