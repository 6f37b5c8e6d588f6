package io.stillpoint.fs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Set;
import java.util.UUID;

/**
 * A secret Stillpoint generates for itself on first use (the session key, the embedded catalog's
 * password) and keeps in a file that only its own user can read: mode 0600, in a folder only that
 * user can change. A secret file that others could have read or chosen is refused, never used.
 */
public final class SecretFile {

    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FOLDER = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OTHERS_MAY_CHANGE = Set.of(
            PosixFilePermission.GROUP_WRITE, PosixFilePermission.OTHERS_WRITE);
    private static final Set<PosixFilePermission> OTHERS_MAY_READ = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);
    private static final SecureRandom RANDOM = new SecureRandom();

    private SecretFile() {}

    /** 32 random bytes, URL-safe Base64 without padding (43 characters). */
    public static String randomSecret() {
        byte[] random = new byte[32];
        RANDOM.nextBytes(random);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    }

    /**
     * The secret in {@code file}; on first use a new {@link #randomSecret()} is written there (its folder
     * made with mode 0700 if it does not exist). Two processes starting at once agree on one secret.
     */
    public static String readOrCreate(Path file) throws IOException {
        Path folder = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileStore(existingAncestor(folder)).supportsFileAttributeView("posix");
        if (!Files.isDirectory(folder)) {
            if (posix) {
                Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER));
            } else {
                Files.createDirectories(folder);
            }
        }
        if (posix) {
            checkOwnedAndClosed(folder, OTHERS_MAY_CHANGE, "folder");
        }
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
            publish(file, randomSecret(), posix);
        }
        if (posix) {
            checkOwnedAndClosed(file, OTHERS_MAY_READ, "file");
        }
        if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException(file + " should be a regular file holding a secret; remove it and start again");
        }
        String secret = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (secret.length() < 16) {
            throw new IOException(file + " holds no usable secret (fewer than 16 characters); remove it and start again");
        }
        return secret;
    }

    /** Refuses a secret file that is not this user's own or that others may read (a key, say). */
    public static void checkPrivate(Path file) throws IOException {
        if (Files.getFileStore(existingAncestor(file)).supportsFileAttributeView("posix")) {
            checkOwnedAndClosed(file, OTHERS_MAY_READ, "file");
        }
    }

    /**
     * A folder only this process's user may enter: made with mode 0700, or, if it exists, checked to be
     * that user's and set to 0700 again (a library that unpacks there may have loosened it). What
     * Stillpoint runs from there nobody else can have put there.
     */
    public static void privateFolder(Path folder) throws IOException {
        if (!Files.getFileStore(existingAncestor(folder)).supportsFileAttributeView("posix")) {
            Files.createDirectories(folder);
            return;
        }
        if (!Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            Files.createDirectories(folder, PosixFilePermissions.asFileAttribute(OWNER_ONLY_FOLDER));
        }
        checkOwnedAndClosed(folder, Set.of(), "folder");
        Files.setPosixFilePermissions(folder, OWNER_ONLY_FOLDER);
    }

    /**
     * Writes the secret under a temporary name created 0600, then links it to its name: the link fails
     * if another process published first, and then its secret is the one used.
     */
    private static void publish(Path file, String secret, boolean posix) throws IOException {
        Path temp = file.resolveSibling("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        FileAttribute<?>[] ownerOnly = posix
                ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE)}
                : new FileAttribute<?>[0];
        try {
            Files.createFile(temp, ownerOnly);
            try (FileChannel out = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                out.write(StandardCharsets.UTF_8.encode(secret + "\n"));
                out.force(true);
            }
            try {
                Files.createLink(file, temp);
            } catch (FileAlreadyExistsException anotherProcessWasFirst) {
                return;
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        Durable.syncDirectory(file.toAbsolutePath().getParent());
    }

    private static void checkOwnedAndClosed(Path path, Set<PosixFilePermission> forbidden, String what)
            throws IOException {
        PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        if (!ownedByThisProcess(path, attributes)) {
            throw new IOException(path + " belongs to another user (" + attributes.owner().getName()
                    + "); Stillpoint keeps its secrets and programs only where its own user does");
        }
        Set<PosixFilePermission> open = attributes.permissions();
        open.retainAll(forbidden);
        if (!open.isEmpty()) {
            throw new IOException(path + " is open to other users ("
                    + PosixFilePermissions.toString(attributes.permissions()) + "); make it "
                    + (what.equals("file") ? "rw------- (chmod 600), or remove it to get a new secret"
                            : "writable by its owner only (chmod go-w)"));
        }
    }

    /** Compares with the process's effective user, the owner Linux gives {@code /proc/self}. */
    private static boolean ownedByThisProcess(Path path, PosixFileAttributes attributes) throws IOException {
        Path self = Path.of("/proc/self");
        if (Files.exists(self)) {
            return Files.getAttribute(path, "unix:uid", LinkOption.NOFOLLOW_LINKS).equals(Files.getAttribute(self, "unix:uid"));
        }
        return attributes.owner().getName().equals(System.getProperty("user.name"));
    }

    private static Path existingAncestor(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing == null ? path.getRoot() : existing;
    }
}
