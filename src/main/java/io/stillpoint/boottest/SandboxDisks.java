package io.stillpoint.boottest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.inventory.InvalidRequestException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * What a QEMU or libvirt restore point says about the machine to boot: its disks in boot order, each with
 * its format and bus, and its memory. Only data is taken from the point's {@code launch.json} or {@code
 * domain.xml}: never a program, a path outside the point, or an option for the sandbox's command line.
 *
 * @param memoryBytes 0 when the point does not say
 */
record SandboxDisks(List<Disk> disks, long memoryBytes, boolean uefi) {

    static final String LAUNCH_JSON = "launch.json";
    static final String DOMAIN_XML = "domain.xml";
    private static final Set<String> FORMATS = Set.of("qcow2", "raw");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One disk: a file inside the point, its image format, and whether the guest saw it on IDE/SATA (else virtio). */
    record Disk(Path file, String format, boolean sata) {}

    /**
     * Reads the point's description. A point that holds neither file, names a disk outside itself, or a
     * format the sandbox cannot open, is refused as bad input naming the restore point.
     */
    static SandboxDisks of(Path files) throws IOException {
        if (Files.isRegularFile(files.resolve(LAUNCH_JSON), LinkOption.NOFOLLOW_LINKS)) {
            return fromLaunchJson(files);
        }
        if (Files.isRegularFile(files.resolve(DOMAIN_XML), LinkOption.NOFOLLOW_LINKS)) {
            return fromDomainXml(files);
        }
        throw refused("it holds neither " + LAUNCH_JSON + " nor " + DOMAIN_XML + ", so its disks are unknown");
    }

    private static SandboxDisks fromLaunchJson(Path files) throws IOException {
        JsonNode launch = JSON.readTree(files.resolve(LAUNCH_JSON).toFile());
        List<String> argv = new ArrayList<>();
        launch.path("commandLine").forEach(a -> argv.add(a.asText()));
        List<Disk> disks = new ArrayList<>();
        boolean uefi = false;
        for (String arg : argv) {
            uefi |= arg.contains("if=pflash") || arg.contains("OVMF");
        }
        for (JsonNode disk : launch.path("disks")) {
            String file = disk.path("file").asText();
            if (!file.startsWith("${DIR}/")) {
                throw refused("its launch.json names disk '" + file + "' outside the point's folder");
            }
            String node = disk.path("node").asText();
            boolean sata = argv.stream().anyMatch(a -> (a.startsWith("ide-hd,") || a.contains("\"ide-hd\""))
                    && (a.contains("drive=" + node + ",") || a.endsWith("drive=" + node)
                            || a.contains("\"drive\":\"" + node + "\"")));
            disks.add(new Disk(inside(files, file.substring("${DIR}/".length())), format(disk.path("format").asText()),
                    sata));
        }
        if (disks.isEmpty()) {
            throw refused("its launch.json names no disk");
        }
        return new SandboxDisks(disks, launch.path("memoryBytes").asLong(0), uefi);
    }

    /** libvirt points keep each disk as the only file of a folder named after its target ({@code vda/}). */
    private static SandboxDisks fromDomainXml(Path files) throws IOException {
        Document document = parse(Files.readString(files.resolve(DOMAIN_XML), StandardCharsets.UTF_8));
        Element root = document.getDocumentElement();
        List<Disk> disks = new ArrayList<>();
        NodeList elements = root.getElementsByTagName("disk");
        for (int i = 0; i < elements.getLength(); i++) {
            Element disk = (Element) elements.item(i);
            String device = disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device");
            Element target = first(disk, "target");
            Element driver = first(disk, "driver");
            if (!device.equals("disk") || target == null) {
                continue;
            }
            String dev = target.getAttribute("dev");
            Path file = onlyFileOf(inside(files, dev));
            String bus = target.getAttribute("bus");
            disks.add(new Disk(file, format(driver == null || driver.getAttribute("type").isEmpty() ? "raw"
                    : driver.getAttribute("type")), bus.equals("sata") || bus.equals("ide")));
        }
        if (disks.isEmpty()) {
            throw refused("its domain.xml names no file disk");
        }
        long memory = 0;
        Element memoryElement = first(root, "memory");
        if (memoryElement != null) {
            String unit = memoryElement.getAttribute("unit").isEmpty() ? "KiB" : memoryElement.getAttribute("unit");
            long factor = switch (unit) {
                case "b", "bytes" -> 1;
                case "MiB", "M" -> 1L << 20;
                case "GiB", "G" -> 1L << 30;
                default -> 1L << 10;
            };
            try {
                memory = Long.parseLong(memoryElement.getTextContent().trim()) * factor;
            } catch (NumberFormatException e) {
                memory = 0;
            }
        }
        Element os = first(root, "os");
        boolean uefi = os != null && ("efi".equals(os.getAttribute("firmware")) || first(os, "loader") != null);
        return new SandboxDisks(disks, memory, uefi);
    }

    private static Path onlyFileOf(Path folder) throws IOException {
        List<Path> found = new ArrayList<>();
        if (Files.isDirectory(folder, LinkOption.NOFOLLOW_LINKS)) {
            try (DirectoryStream<Path> entries = Files.newDirectoryStream(folder)) {
                entries.forEach(f -> {
                    if (Files.isRegularFile(f, LinkOption.NOFOLLOW_LINKS)) {
                        found.add(f);
                    }
                });
            }
        }
        if (found.size() != 1) {
            throw refused("it holds " + found.size() + " files for disk " + folder.getFileName() + ", not one");
        }
        return found.get(0);
    }

    /** A file the point holds, named relative to its folder; no {@code ..}, no link leading out. */
    private static Path inside(Path files, String relative) throws IOException {
        Path candidate = files.resolve(relative).normalize();
        if (!candidate.startsWith(files) || relative.isEmpty()) {
            throw refused("it names '" + relative + "', which is not inside the point");
        }
        if (Files.isSymbolicLink(candidate)) {
            throw refused("its disk '" + relative + "' is a link");
        }
        // A folder on the way may be a link too: only what really lies inside the point is read.
        if (Files.exists(candidate, LinkOption.NOFOLLOW_LINKS)
                && !candidate.toRealPath().startsWith(files.toRealPath())) {
            throw refused("its disk '" + relative + "' leads outside the point through a link");
        }
        return candidate;
    }

    private static String format(String format) {
        if (!FORMATS.contains(format)) {
            throw refused("a disk's format is '" + format + "'; the sandbox opens qcow2 and raw");
        }
        return format;
    }

    private static Element first(Element parent, String name) {
        NodeList children = parent.getElementsByTagName(name);
        return children.getLength() == 0 ? null : (Element) children.item(0);
    }

    private static Document parse(String xml) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setExpandEntityReferences(false);
            return factory.newDocumentBuilder().parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException e) {
            throw refused("its domain.xml cannot be read: " + e.getMessage());
        }
    }

    private static InvalidRequestException refused(String why) {
        return new InvalidRequestException("id", "the restore point cannot be boot-tested: " + why);
    }
}
