package io.stillpoint.copy;

import java.lang.reflect.Field;
import java.nio.MappedByteBuffer;
import sun.misc.Unsafe;

/**
 * Unmaps a file mapping now. Java 17 has no public way to; {@code Unsafe.invokeCleaner} (module
 * jdk.unsupported, which Lucene and Netty rely on for the same reason) runs the buffer's cleaner,
 * which the garbage collector would otherwise run at some later time. The buffer must not be touched
 * afterwards.
 */
final class Unmapper {

    /** Also how {@link NoAtime} reaches a channel's descriptor: one place that opens the JDK's back door. */
    static final Unsafe UNSAFE = unsafe();

    private Unmapper() {}

    static void unmap(MappedByteBuffer buffer) {
        UNSAFE.invokeCleaner(buffer);
    }

    private static Unsafe unsafe() {
        try {
            Field field = Unsafe.class.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            return (Unsafe) field.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
