package io.stillpoint.copy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What a folder is besides its content, carried from one folder to another: how an in-place restore keeps
 * the folder it replaces as it was (its owner, group, mode, ACLs, default ACL and other extended
 * attributes, times; on Windows its owner, DACL and DOS flags), since a non-root hypervisor needs its own
 * folder to stay writable to it. The same attribute strategies as the copier's, for one entry.
 */
public final class FolderAttributes {

    private FolderAttributes() {}

    /**
     * Gives {@code target} the attributes {@code source} has itself; nothing inside either is touched, and
     * neither is followed if it is a link.
     *
     * @return what could not be kept (e.g. an owner only root may give away); empty when all was
     */
    public static List<SkippedEntry> copyOwn(Path source, Path target) throws IOException {
        AttributeStrategy strategy = AttributeStrategy.select(source, target);
        SourceTree.Entry folder = strategy.stat(source, "", false);
        List<SkippedEntry> lost = new ArrayList<>();
        strategy.apply(folder, strategy.extended(folder), target,
                (attribute, reason) -> lost.add(new SkippedEntry(target.getFileName().toString(), reason, attribute)));
        return lost;
    }
}
