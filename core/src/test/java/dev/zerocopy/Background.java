package dev.zerocopy;

import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;

/** Runs one task on its own daemon thread and hands back its result or its exception. */
final class Background<T> {

    private final FutureTask<T> task;
    final Thread thread;

    private Background(Callable<T> work) {
        this.task = new FutureTask<>(work);
        this.thread = new Thread(task, "test-background");
        thread.setDaemon(true);
        thread.start();
    }

    static <T> Background<T> start(Callable<T> work) {
        return new Background<>(work);
    }

    /**
     * Waits until the task's thread is inside the given method (seen in its stack),
     * so a test can act on a thread that is known to be blocked there.
     */
    void awaitFrameInStack(String className, String methodName) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            for (StackTraceElement frame : thread.getStackTrace()) {
                if (frame.getClassName().equals(className) && frame.getMethodName().equals(methodName)) {
                    return;
                }
            }
            if (task.isDone()) {
                throw new AssertionError("the task ended before reaching " + className + "." + methodName);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
        }
        throw new AssertionError("the task did not reach " + className + "." + methodName + " in 30 s");
    }

    /** Waits for the task; rethrows what it threw. */
    T join() throws Exception {
        try {
            return task.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException failed) {
            if (failed.getCause() instanceof Exception cause) {
                throw cause;
            }
            throw failed;
        } catch (TimeoutException hung) {
            thread.interrupt();
            throw hung;
        }
    }
}
