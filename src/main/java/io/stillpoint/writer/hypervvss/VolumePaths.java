package io.stillpoint.writer.hypervvss;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Which volume holds a file, and where that file is inside the volume's exposed shadow copy. Paths are
 * the host's own strings: Windows paths ({@code D:\Hyper-V\vm1\disk.vhdx}, compared without regard to
 * case) or, for a stand-in on another system, POSIX paths. A configured mount folder that is a volume of
 * its own (a Cluster Shared Volume, a volume mounted in a folder) wins over the drive letter.
 */
final class VolumePaths {

    private static final Pattern DRIVE = Pattern.compile("^([A-Za-z]):[\\\\/].*|^([A-Za-z]):$");

    /**
     * @param name how diskshadow's {@code add volume} names it ({@code D:} or a mount folder)
     * @param root the prefix its files' paths start with
     * @param label a short name for folders and facts ({@code D}, or the mount folder's last name)
     */
    record Volume(String name, String root, String label) {}

    private final List<Volume> mounted;

    VolumePaths(List<String> mountFolders) {
        List<Volume> volumes = new ArrayList<>();
        for (String folder : mountFolders) {
            String root = withSeparator(folder);
            String[] parts = split(root);
            String label = parts.length == 0 ? "root" : parts[parts.length - 1].replaceAll("[^A-Za-z0-9._-]", "_");
            volumes.add(new Volume(windows(root) ? root : folder, root, label));
        }
        volumes.sort(Comparator.comparingInt((Volume v) -> v.root().length()).reversed());
        this.mounted = List.copyOf(volumes);
    }

    Volume volumeOf(String path) {
        if (path.startsWith("\\\\") || path.startsWith("//")) {
            throw new IllegalArgumentException("'" + path + "' is on a network share; diskshadow shadows local volumes only");
        }
        for (Volume volume : mounted) {
            if (under(path, volume.root())) {
                return volume;
            }
        }
        var drive = DRIVE.matcher(path);
        if (drive.matches()) {
            String letter = (drive.group(1) != null ? drive.group(1) : drive.group(2)).toUpperCase(Locale.ROOT);
            return new Volume(letter + ":", letter + ":\\", letter);
        }
        throw new IllegalArgumentException("cannot tell which volume holds '" + path
                + "'; name its volume's mount folder in the host setting 'volumes'");
    }

    /** Whether {@code path} is {@code folder} or lies inside it. */
    static boolean under(String path, String folder) {
        String prefix = withSeparator(folder);
        String candidate = withSeparator(path);
        return windows(prefix)
                ? candidate.toLowerCase(Locale.ROOT).replace('/', '\\').startsWith(prefix.toLowerCase(Locale.ROOT).replace('/', '\\'))
                : candidate.startsWith(prefix);
    }

    /** The path's names below the volume's root. */
    static List<String> within(Volume volume, String path) {
        if (!under(path, volume.root())) {
            throw new IllegalArgumentException("'" + path + "' is not on volume " + volume.name());
        }
        return Arrays.asList(split(path.substring(Math.min(path.length(), volume.root().length()))));
    }

    /** Where {@code path} appears in the shadow copy of its volume exposed at {@code mountFolder}. */
    static Path exposed(Path mountFolder, Volume volume, String path) {
        Path result = mountFolder;
        for (String name : within(volume, path)) {
            result = result.resolve(name);
        }
        return result;
    }

    /** The last name of a path, whichever separator it uses. */
    static String fileName(String path) {
        String[] parts = split(path);
        return parts.length == 0 ? path : parts[parts.length - 1];
    }

    /** The folder holding {@code path}, in the path's own notation. */
    static String parent(String path) {
        String trimmed = path.replaceAll("[\\\\/]+$", "");
        int cut = Math.max(trimmed.lastIndexOf('\\'), trimmed.lastIndexOf('/'));
        return cut <= 0 ? trimmed : trimmed.substring(0, cut);
    }

    static boolean windows(String path) {
        return DRIVE.matcher(path).matches() || path.startsWith("\\\\");
    }

    private static String withSeparator(String path) {
        if (path.endsWith("\\") || path.endsWith("/")) {
            return path;
        }
        return path + (windows(path) ? "\\" : "/");
    }

    private static String[] split(String path) {
        return Arrays.stream(path.split("[\\\\/]+")).filter(s -> !s.isEmpty() && !s.matches("[A-Za-z]:"))
                .toArray(String[]::new);
    }
}
