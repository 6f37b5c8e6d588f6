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
            PosixFileAttributes a = Files.readAttributes(target, PosixFileAttributes.class);
            entries.add(new ManifestEntry(RepositoryLayout.METADATA + "/" + document.getKey(), EntryType.FILE,
                    digest.length(), digest.hex(), null, "0644", a.owner().getName(), a.group().getName(),
                    a.lastModifiedTime().toInstant(), a.lastAccessTime().toInstant()));
        }
        Durable.syncDirectory(metadataDir);
        return entries;
    }
}
