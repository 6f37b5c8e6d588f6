package io.stillpoint.guestfiles;

import io.stillpoint.fs.TrustedExecutables;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * libguestfs's Java binding, loaded at run time from the system's {@code libguestfs-*.jar} rather than built
 * into Stillpoint: Debian ships it beside its JNI library, whose version must match, and a server without
 * libguestfs must still build and run (it then answers that browsing guest files needs it). The jar is used
 * only from a folder and file that root owns and no one else may write, since its code runs inside the server.
 *
 * <p>The JVM loads a JNI library into one class loader only; the binding's loader is therefore made once per
 * JVM and shared, also by a second Quarkus application in the same JVM (tests).
 */
final class GuestFsBinding {

    private static final String CLASS = "com.redhat.et.libguestfs.GuestFS";
    private static final Map<String, ClassLoader> LOADERS = new ConcurrentHashMap<>();
    private static final Map<String, Method> METHODS = new ConcurrentHashMap<>();

    private final Class<?> guestFs;

    private GuestFsBinding(Class<?> guestFs) {
        this.guestFs = guestFs;
    }

    /**
     * @throws GuestFsException when the binding is missing or not safe to load, saying which package to install
     */
    static GuestFsBinding load(String folder) {
        Path jar = findJar(Path.of(folder));
        try {
            ClassLoader loader = LOADERS.computeIfAbsent(jar.toString(), j -> {
                try {
                    return new URLClassLoader(new URL[] {Path.of(j).toUri().toURL()}, GuestFsBinding.class.getClassLoader());
                } catch (IOException e) {
                    throw new GuestFsException("libguestfs's Java binding " + j + " cannot be opened: " + e.getMessage(), e);
                }
            });
            return new GuestFsBinding(Class.forName(CLASS, true, loader));
        } catch (ClassNotFoundException | LinkageError e) {
            throw new GuestFsException("libguestfs's Java binding " + jar + " cannot be loaded (is libguestfs-java"
                    + " installed, with its JNI library?): " + e, e);
        }
    }

    private static Path findJar(Path folder) {
        List<Path> jars = new ArrayList<>();
        try (DirectoryStream<Path> found = Files.newDirectoryStream(folder, "libguestfs*.jar")) {
            found.forEach(jars::add);
        } catch (IOException e) {
            throw missing(folder);
        }
        jars.sort(null);
        for (Path jar : jars) {
            if (Files.isRegularFile(jar, LinkOption.NOFOLLOW_LINKS) || Files.isSymbolicLink(jar)) {
                Path real;
                try {
                    real = jar.toRealPath();
                } catch (IOException e) {
                    continue;
                }
                checkOwnedByRoot(real);
                return real;
            }
        }
        throw missing(folder);
    }

    private static GuestFsException missing(Path folder) {
        return new GuestFsException("libguestfs's Java binding is not installed: no libguestfs*.jar in " + folder
                + " (Debian: apt-get install libguestfs-tools libguestfs-java)");
    }

    /** The jar and each folder above it: owned by root or Stillpoint's user, writable by no one else. */
    private static void checkOwnedByRoot(Path real) {
        long own = TrustedExecutables.ownUid();
        try {
            for (Path at = real; at != null; at = at.getParent()) {
                long owner = ((Number) Files.getAttribute(at, "unix:uid", LinkOption.NOFOLLOW_LINKS)).longValue();
                int mode = (Integer) Files.getAttribute(at, "unix:mode", LinkOption.NOFOLLOW_LINKS);
                if ((owner != 0 && owner != own) || (mode & 0022) != 0) {
                    throw new GuestFsException("libguestfs's Java binding " + real + " is not used: " + at
                            + " may be changed by a user other than root (owner uid " + owner + ", mode "
                            + String.format("%04o", mode & 07777) + ")");
                }
            }
        } catch (IOException e) {
            throw new GuestFsException("libguestfs's Java binding " + real + " cannot be checked: " + e.getMessage(), e);
        }
    }

    /** A new handle, not launched. */
    GuestFs create() {
        try {
            return new GuestFs(this, guestFs.getConstructor().newInstance());
        } catch (InvocationTargetException e) {
            throw new GuestFsException("libguestfs handle cannot be created: " + e.getCause().getMessage(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new GuestFsException("libguestfs handle cannot be created: " + e, e);
        }
    }

    /** Calls libguestfs's {@code name} with {@code args}; its own error message becomes a {@link GuestFsException}. */
    Object call(Object handle, String name, Object... args) {
        Method method = METHODS.computeIfAbsent(name + "/" + args.length, key -> {
            for (Method m : guestFs.getMethods()) {
                if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                    return m;
                }
            }
            throw new GuestFsException("libguestfs's Java binding has no " + name + " with " + args.length + " arguments");
        });
        try {
            return method.invoke(handle, args);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new GuestFsException(cause.getMessage() == null ? cause.toString() : cause.getMessage(), cause);
        } catch (IllegalAccessException e) {
            throw new GuestFsException("libguestfs's " + name + " cannot be called: " + e, e);
        }
    }

    static long field(Object struct, String name) {
        try {
            return struct.getClass().getField(name).getLong(struct);
        } catch (ReflectiveOperationException e) {
            throw new GuestFsException("libguestfs's " + struct.getClass().getSimpleName() + " has no " + name, e);
        }
    }

    static String text(Object struct, String name) {
        try {
            Object value = struct.getClass().getField(name).get(struct);
            return value == null ? null : value.toString();
        } catch (ReflectiveOperationException e) {
            throw new GuestFsException("libguestfs's " + struct.getClass().getSimpleName() + " has no " + name, e);
        }
    }
}
