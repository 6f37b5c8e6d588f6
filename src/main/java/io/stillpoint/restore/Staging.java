package io.stillpoint.restore;

import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.UUID;

/**
 * The names a restore uses beside its target, in the same directory so that the final swap is a
 * rename: the staging directory it fills, and where the replaced folder waits until the swap is done.
 */
public record Staging(Path target, Path staging, Path aside) {

    /** Marks a folder an in-place restore replaced and kept; hosts do not take it for a guest. */
    public static final String KEPT_INFIX = ".before-restore-";

    /** Where {@code keepPrevious} keeps the replaced folder: {@code <name>.before-restore-<time>}. */
    public Path kept(Instant at) {
        String time = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC).format(at);
        return target.resolveSibling(target.getFileName() + KEPT_INFIX + time);
    }

    public static Staging beside(Path target, UUID restoreId) {
        Path parent = target.toAbsolutePath().getParent();
        String name = target.getFileName().toString();
        return new Staging(target, parent.resolve("." + name + ".restore-" + restoreId),
                parent.resolve("." + name + ".before-restore-" + restoreId));
    }
}
