package dev.zerocopy.internal;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees a direct buffer now rather than when the collector finds it. With
 * {@code -XX:+DisableExplicitGC} the JDK cannot force a collection when direct
 * memory runs short, so a pool that drops buffers must free them itself.
 * Uses {@code sun.misc.Unsafe.invokeCleaner} (module jdk.unsupported) where
 * present; elsewhere the buffer is left to the collector.
 */
public final class DirectMemory {

    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            invokeCleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private DirectMemory() {
    }

    /** Frees {@code buffer}, which must be a direct buffer that nothing uses any more. */
    public static void free(ByteBuffer buffer) {
        if (INVOKE_CLEANER == null || !buffer.isDirect()) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // Left to the collector, as without Unsafe.
        }
    }
}
