package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Extended attributes in every namespace, never following symbolic links. POSIX ACLs live here too,
 * as {@code system.posix_acl_access} and {@code system.posix_acl_default}, so copying all names
 * copies ACLs byte for byte.
 */
public final class Xattrs {

    private Xattrs() {}

    /** Every attribute name and value of {@code path}; names the caller may not read are simply absent. */
    static Map<String, byte[]> read(Path path) throws IOException {
        Map<String, byte[]> values = new LinkedHashMap<>();
        for (String name : list(path)) {
            byte[] value = get(path, name);
            if (value != null) {
                values.put(name, value);
            }
        }
        return values;
    }

    /**
     * Makes the attributes of {@code target} equal {@code wanted}. Attributes the kernel refuses for
     * lack of privilege or support (trusted.* and security.* when not root, any namespace on a file
     * system without xattrs) are reported as losses; any other failure is thrown.
     */
    static void apply(Path target, Map<String, byte[]> wanted, Metadata.Losses losses) throws IOException {
        byte[] targetPath = LibC.path(target);
        for (String present : list(target)) {
            if (!wanted.containsKey(present)
                    && LibC.C.lremovexattr(targetPath, LibC.cString(present)) != 0) {
                refused(target, present, "remove", LibC.errno(), losses);
            }
        }
        for (Map.Entry<String, byte[]> e : wanted.entrySet()) {
            byte[] value = e.getValue();
            if (LibC.C.lsetxattr(targetPath, LibC.cString(e.getKey()), value, value.length, 0) != 0) {
                refused(target, e.getKey(), "set", LibC.errno(), losses);
            }
        }
    }

    /**
     * Adds {@code values} to {@code target}'s attributes, in every namespace, without following a link.
     *
     * @return the attributes the kernel refused (no privilege or support, or a value it does not take), each
     *     with the reason
     */
    public static List<String> add(Path target, Map<String, byte[]> values) throws IOException {
        List<String> lost = new ArrayList<>();
        byte[] targetPath = LibC.path(target);
        for (Map.Entry<String, byte[]> e : values.entrySet()) {
            byte[] value = e.getValue();
            if (LibC.C.lsetxattr(targetPath, LibC.cString(e.getKey()), value, value.length, 0) != 0) {
                lost.add("extended attribute " + e.getKey() + " not kept: " + LibC.C.strerror(LibC.errno()));
            }
        }
        return lost;
    }

    private static void refused(Path target, String name, String verb, int errno, Metadata.Losses losses)
            throws IOException {
        if (errno == LibC.EPERM || errno == LibC.EACCES || errno == LibC.EOPNOTSUPP) {
            losses.lost(name, "extended attribute " + name + " not kept: " + LibC.C.strerror(errno));
            return;
        }
        throw LibC.failure(target, verb + " extended attribute " + name, errno);
    }

    static List<String> list(Path path) throws IOException {
        byte[] p = LibC.path(path);
        while (true) {
            long size = LibC.C.llistxattr(p, null, 0);
            if (size < 0) {
                int errno = LibC.errno();
                if (errno == LibC.EOPNOTSUPP) {
                    return List.of();
                }
                throw LibC.failure(path, "list extended attributes", errno);
            }
            if (size == 0) {
                return List.of();
            }
            byte[] buffer = new byte[(int) size];
            long got = LibC.C.llistxattr(p, buffer, buffer.length);
            if (got < 0 && LibC.errno() == LibC.ERANGE) {
                continue; // an attribute was added between the two calls
            }
            if (got < 0) {
                throw LibC.failure(path, "list extended attributes", LibC.errno());
            }
            return names(buffer, (int) got);
        }
    }

    private static List<String> names(byte[] buffer, int length) {
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < length; i++) {
            if (buffer[i] == 0) {
                if (i > start) {
                    names.add(LibC.decode(buffer, start, i - start));
                }
                start = i + 1;
            }
        }
        return names;
    }

    /** The value, or {@code null} when the attribute vanished or may not be read by this process. */
    private static byte[] get(Path path, String name) throws IOException {
        byte[] p = LibC.path(path);
        byte[] n = LibC.cString(name);
        while (true) {
            long size = LibC.C.lgetxattr(p, n, null, 0);
            if (size < 0) {
                int errno = LibC.errno();
                if (errno == LibC.ENODATA || errno == LibC.EPERM || errno == LibC.EACCES) {
                    return null;
                }
                throw LibC.failure(path, "read extended attribute " + name, errno);
            }
            byte[] value = new byte[(int) size];
            long got = size == 0 ? 0 : LibC.C.lgetxattr(p, n, value, value.length);
            if (got < 0 && LibC.errno() == LibC.ERANGE) {
                continue; // the value grew between the two calls
            }
            if (got < 0) {
                throw LibC.failure(path, "read extended attribute " + name, LibC.errno());
            }
            return got == size ? value : Arrays.copyOf(value, (int) got);
        }
    }
}
