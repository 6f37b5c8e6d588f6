package io.stillpoint.copy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/** Small helpers for building source trees and looking at copies. */
final class CopyFixtures {

    private CopyFixtures() {}

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** Runs a command and returns its standard output; fails on a non-zero exit. */
    static String sh(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = process.waitFor();
        if (exit != 0) {
            throw new IOException(String.join(" ", command) + " exited " + exit + ": " + out);
        }
        return out;
    }

    static long allocatedBytes(Path file) throws IOException, InterruptedException {
        return Long.parseLong(sh("stat", "-c", "%b", file.toString()).trim()) * 512;
    }

    static Object attribute(Path path, String name) throws IOException {
        return Files.getAttribute(path, name, LinkOption.NOFOLLOW_LINKS);
    }

    static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Writes {@code data} at {@code offset} of a file that is otherwise holes, then sets its size. */
    static void writeAt(Path file, long offset, byte[] data) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                channel.write(buffer, offset + buffer.position());
            }
        }
    }

    static void setSize(Path file, long size) throws IOException {
        try (var raf = new java.io.RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(size);
        }
    }

    /** The digest as defined, over the plain logical content read front to back. */
    static String plainDigest(Path file) throws IOException {
        ContentDigest digest = new ContentDigest();
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[64 * 1024 + 7];
            int read;
            while ((read = in.read(buffer)) > 0) {
                digest.update(ByteBuffer.wrap(buffer, 0, read));
            }
        }
        return digest.hex();
    }

    /** A listener that records everything, thread-safely. */
    static final class Recorder implements CopyListener {
        final List<Path[]> entries = Collections.synchronizedList(new ArrayList<>());
        final List<SkippedEntry> skipped = Collections.synchronizedList(new ArrayList<>());
        final List<CopyProgress> progress = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onEntry(Path source, Path target) {
            entries.add(new Path[] {source, target});
        }

        @Override
        public void onSkipped(SkippedEntry entry) {
            skipped.add(entry);
        }

        @Override
        public void onProgress(CopyProgress p) {
            progress.add(p);
        }
    }
}
