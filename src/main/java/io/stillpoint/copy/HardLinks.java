package io.stillpoint.copy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds the names inside one tree that share an inode. The first name in path order is copied as a
 * file; every later name becomes a hard link to it, as {@code cp -a} and {@code rsync -H} do.
 */
final class HardLinks {

    private record Inode(long dev, long ino) {}

    private HardLinks() {}

    /** For each later name of a multiply linked regular file, the relative path of its first name. */
    static Map<String, String> laterNames(List<SourceTree.Entry> sortedEntries) {
        Map<Inode, String> firstNames = new HashMap<>();
        Map<String, String> later = new HashMap<>();
        for (SourceTree.Entry e : sortedEntries) {
            if (e.kind() == SourceTree.Kind.FILE && e.nlink() > 1) {
                String first = firstNames.putIfAbsent(new Inode(e.dev(), e.ino()), e.path());
                if (first != null) {
                    later.put(e.path(), first);
                }
            }
        }
        return later;
    }
}
