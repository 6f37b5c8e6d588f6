package io.stillpoint.repository;

import io.stillpoint.copy.CancellationSignal;
import io.stillpoint.copy.EntryType;
import io.stillpoint.copy.FileDigests;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Re-reads every file of a restore point against its manifest; returns what does not match, by file. */
public final class RestorePointVerifier {

    private RestorePointVerifier() {}

    public static List<String> problems(Path pointDir, Manifest manifest, CancellationSignal cancel) throws IOException {
        List<String> problems = new ArrayList<>();
        for (ManifestEntry entry : manifest.entries()) {
            Path file = pointDir.resolve(entry.path());
            switch (entry.type()) {
                case FILE -> {
                    if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(entry.path() + ": missing");
                    } else if (Files.size(file) != entry.size()) {
                        problems.add(entry.path() + ": size " + Files.size(file) + " instead of " + entry.size());
                    } else if (!FileDigests.of(file, cancel).equals(entry.sha256())) {
                        problems.add(entry.path() + ": content does not match its checksum");
                    }
                }
                case DIRECTORY -> {
                    if (!Files.isDirectory(file, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(entry.path() + ": directory missing");
                    }
                }
                case SYMLINK, HARDLINK -> {
                    if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) {
                        problems.add(entry.path() + ": " + (entry.type() == EntryType.SYMLINK ? "link" : "hard link") + " missing");
                    }
                }
            }
        }
        return problems;
    }
}
