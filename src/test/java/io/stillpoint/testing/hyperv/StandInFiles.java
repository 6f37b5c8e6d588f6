package io.stillpoint.testing.hyperv;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Comparator;
import java.util.Properties;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * File helpers shared by the stand-in processes and the test fixture. The stand-in world's state lives
 * in small properties files that are only ever replaced whole, so that a reader in another process never
 * sees half a file.
 */
final class StandInFiles {

    private StandInFiles() {}

    static Properties read(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    static void write(Path file, Properties p, Path tmp) {
        try {
            StringWriter text = new StringWriter();
            p.store(text, null);
            replace(file, text.toString().getBytes(StandardCharsets.UTF_8), tmp);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a new file beside nothing the guest or a shadow copy sees, then renames it over the old one. */
    static void replace(Path file, byte[] content, Path tmp) throws IOException {
        Files.createDirectories(tmp);
        Path temp = tmp.resolve(UUID.randomUUID() + ".tmp");
        Files.write(temp, content, StandardOpenOption.CREATE_NEW);
        Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void appendLine(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Hard-links every regular file under {@code source} into {@code target}, keeping the tree. */
    static void linkTree(Path source, Path target) throws IOException {
        Files.createDirectories(target);
        Files.walkFileTree(source, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Files.createDirectories(target.resolve(source.relativize(dir).toString()));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (attrs.isRegularFile()) {
                    link(target.resolve(source.relativize(file).toString()), file);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /**
     * A guest replaces its disk files by rename while the shadow copy is made, and link(2) fails with
     * ENOENT when the name still resolved to the inode just replaced; the new file is there, so link
     * that one. A real shadow copy is one atomic instant, so no outcome but a link may surface.
     */
    private static void link(Path link, Path existing) throws IOException {
        for (int attempt = 1; ; attempt++) {
            try {
                Files.createLink(link, existing);
                return;
            } catch (NoSuchFileException e) {
                if (!Files.exists(existing) || attempt == 100) {
                    throw e;
                }
            }
        }
    }

    /** Removes everything below {@code dir}, keeping {@code dir} itself. */
    static void empty(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (!p.equals(dir)) {
                    Files.delete(p);
                }
            }
        }
    }

    static void deleteTree(Path dir) throws IOException {
        empty(dir);
        Files.deleteIfExists(dir);
    }

    static String json(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
