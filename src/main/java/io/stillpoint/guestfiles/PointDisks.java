package io.stillpoint.guestfiles;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.copy.EntryType;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestEntry;
import io.stillpoint.repository.RepositoryLayout;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The disks of a restore point and their formats, which libguestfs is told and never probes: a raw disk
 * holds whatever its guest wrote, qcow2 headers included, and a probed qcow2 header may name a backing file
 * anywhere on the host. The format comes from what the host recorded ({@code launch.json} of a QEMU guest)
 * or the file's name; a qcow2 disk is opened only without a backing file or external data file, so the
 * appliance reads nothing but the restore point's own files.
 */
final class PointDisks {

    /** One disk image of the restore point. */
    record Disk(String name, Path file, String format) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] QCOW2_MAGIC = {'Q', 'F', 'I', (byte) 0xfb};
    private static final byte[] VHDX_MAGIC = "vhdxfile".getBytes(StandardCharsets.US_ASCII);
    private static final long QCOW2_EXTERNAL_DATA_FILE = 1L << 2;

    private PointDisks() {}

    /**
     * @throws UnbrowsableException saying why the point's disks cannot be browsed
     */
    static List<Disk> of(Path pointDir, Manifest manifest) {
        if ("simulated".equals(manifest.vm().hostType())) {
            throw new UnbrowsableException("its VM is on a simulated host, whose disks are sparse stand-ins that hold"
                    + " no file system");
        }
        Path files = pointDir.resolve(RepositoryLayout.FILES);
        Map<String, String> recorded = recordedFormats(files.resolve("launch.json"));
        List<Disk> disks = new ArrayList<>();
        String prefix = RepositoryLayout.FILES + "/";
        for (ManifestEntry entry : manifest.entries()) {
            if (entry.type() != EntryType.FILE || !entry.path().startsWith(prefix)) {
                continue;
            }
            String name = entry.path().substring(prefix.length());
            String format = recorded.getOrDefault(name, formatByName(name));
            if (format == null) {
                continue;
            }
            Path file = files.resolve(name);
            check(name, file, format);
            disks.add(new Disk(name, file, format));
        }
        if (disks.isEmpty()) {
            throw new UnbrowsableException("it holds no disk image libguestfs can read (qcow2, raw, VHDX)");
        }
        return disks;
    }

    private static String formatByName(String name) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".qcow2")) {
            return "qcow2";
        } else if (lower.endsWith(".raw") || lower.endsWith(".img")) {
            return "raw";
        } else if (lower.endsWith(".vhdx")) {
            return "vhdx";
        }
        return null;
    }

    /** The formats a QEMU guest's registration names, by file name inside the guest's folder. */
    private static Map<String, String> recordedFormats(Path launchJson) {
        Map<String, String> formats = new HashMap<>();
        if (!java.nio.file.Files.isRegularFile(launchJson, LinkOption.NOFOLLOW_LINKS)) {
            return formats;
        }
        try {
            for (JsonNode disk : JSON.readTree(launchJson.toFile()).path("disks")) {
                String file = disk.path("file").asText("");
                String format = disk.path("format").asText("");
                if (file.startsWith("${DIR}/") && (format.equals("qcow2") || format.equals("raw"))) {
                    formats.put(file.substring("${DIR}/".length()), format);
                }
            }
        } catch (IOException e) {
            // An unreadable launch.json names no formats; the files' names still do.
        }
        return formats;
    }

    private static void check(String name, Path file, String format) {
        ByteBuffer header = ByteBuffer.allocate(104);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            while (header.hasRemaining() && in.read(header) > 0) {
                // read the header whole
            }
        } catch (IOException e) {
            throw new UnbrowsableException("its disk " + name + " cannot be read: " + e.getMessage());
        }
        header.flip();
        switch (format) {
            case "qcow2" -> {
                if (!starts(header, QCOW2_MAGIC) || header.limit() < 104) {
                    throw new UnbrowsableException("its disk " + name + " is recorded as qcow2 but is no qcow2 image");
                }
                if (header.getLong(8) != 0) {
                    throw new UnbrowsableException("its disk " + name + " has a backing file; a restore point's disks"
                            + " stand alone, and one that names another file is not opened");
                }
                if (header.getInt(4) >= 3 && (header.getLong(72) & QCOW2_EXTERNAL_DATA_FILE) != 0) {
                    throw new UnbrowsableException("its disk " + name + " keeps its data in an external file,"
                            + " which is not opened");
                }
            }
            case "vhdx" -> {
                if (!starts(header, VHDX_MAGIC)) {
                    throw new UnbrowsableException("its disk " + name + " is named .vhdx but is no VHDX image");
                }
            }
            default -> {
                // a raw disk refers to no other file
            }
        }
    }

    private static boolean starts(ByteBuffer header, byte[] magic) {
        if (header.limit() < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (header.get(i) != magic[i]) {
                return false;
            }
        }
        return true;
    }
}
