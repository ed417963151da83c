package dev.zerocopy.samples.files;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The one JDK 21 call of this sample, looked up at run time because the samples jar targets Java 17. */
final class VirtualThreads {

    private VirtualThreads() {
    }

    /** Tells whether this JVM has virtual threads. */
    static boolean available() {
        return Runtime.version().feature() >= 21;
    }

    /**
     * In a Java 21+ service this is simply {@code Executors.newVirtualThreadPerTaskExecutor()}.
     *
     * @throws UnsupportedOperationException before JDK 21
     */
    static ExecutorService perTask() {
        try {
            return (ExecutorService) MethodHandles.publicLookup().findStatic(Executors.class,
                    "newVirtualThreadPerTaskExecutor", MethodType.methodType(ExecutorService.class)).invoke();
        } catch (NoSuchMethodException | IllegalAccessException beforeJdk21) {
            throw new UnsupportedOperationException("virtual threads need JDK 21+; this is Java "
                    + Runtime.version(), beforeJdk21);
        } catch (Throwable unexpected) {
            throw new IllegalStateException(unexpected);
        }
    }
}
