package io.stillpoint.restore;

import java.nio.file.Path;
import java.util.UUID;

/**
 * The names a restore uses beside its target, in the same directory so that the final swap is a
 * rename: the staging directory it fills, and where the replaced folder waits until the swap is done.
 */
public record Staging(Path target, Path staging, Path aside) {

    public static Staging beside(Path target, UUID restoreId) {
        Path parent = target.toAbsolutePath().getParent();
        String name = target.getFileName().toString();
        return new Staging(target, parent.resolve("." + name + ".restore-" + restoreId),
                parent.resolve("." + name + ".before-restore-" + restoreId));
    }
}
