package io.stillpoint.repository;

import io.stillpoint.copy.ContentDigest;
import io.stillpoint.copy.EntryType;
import io.stillpoint.fs.Durable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Stores a writer's documents (e.g. the VSS metadata {@code backup.cab}) in a restore point. */
public final class MetadataFiles {

    private MetadataFiles() {}

    public static List<ManifestEntry> store(Map<String, Path> documents, Path metadataDir) throws IOException {
        List<ManifestEntry> entries = new ArrayList<>();
        if (documents.isEmpty()) {
            return entries;
        }
        Durable.createDirectories(metadataDir);
        for (Map.Entry<String, Path> document : new TreeMap<>(documents).entrySet()) {
            Path target = metadataDir.resolve(document.getKey());
            ContentDigest digest = new ContentDigest();
            try (FileChannel in = FileChannel.open(document.getValue(), StandardOpenOption.READ);
                    FileChannel out = FileChannel.open(target, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.allocate(ContentDigest.CHUNK);
                while (in.read(buffer) >= 0) {
                    buffer.flip();
                    digest.update(buffer.duplicate());
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                    buffer.clear();
                }
                out.force(true);
            }
            entries.add(entry(RepositoryLayout.METADATA + "/" + document.getKey(), target, digest));
        }
        Durable.syncDirectory(metadataDir);
        return entries;
    }

    /** Mode and group only where the repository has them; a Windows repository has neither. */
    private static ManifestEntry entry(String path, Path stored, ContentDigest digest) throws IOException {
        if (stored.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            PosixFileAttributes a = Files.readAttributes(stored, PosixFileAttributes.class);
            return new ManifestEntry(path, EntryType.FILE, digest.length(), digest.hex(), null, "0644",
                    a.owner().getName(), a.group().getName(), a.lastModifiedTime().toInstant(),
                    a.lastAccessTime().toInstant(), null, null, null);
        }
        BasicFileAttributes a = Files.readAttributes(stored, BasicFileAttributes.class);
        return new ManifestEntry(path, EntryType.FILE, digest.length(), digest.hex(), null, null,
                Files.getOwner(stored).getName(), null, a.lastModifiedTime().toInstant(),
                a.lastAccessTime().toInstant(), a.creationTime().toInstant(), null, null);
    }
}
