package io.stillpoint.host.libvirt;

import io.stillpoint.host.HostException;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;

/**
 * What Stillpoint reads from a domain's XML: its identity, memory, disks and guest agent channel, and why
 * it cannot back the domain up, if it cannot. Parsed with the JDK's DOM parser with DOCTYPEs and external
 * entities refused: the XML comes from libvirtd, and the domain's definition from whoever defined it.
 *
 * @param disks the absolute paths of the domain's file-backed disks ({@code device='disk'}), in order
 * @param blockedReason why Stillpoint cannot snapshot the domain's disks; {@code null} when it can
 */
record DomainXml(String uuid, String name, long memoryBytes, String guestOs, boolean agentConfigured,
        boolean agentConnected, List<Path> disks, String blockedReason) {

    static final String AGENT_CHANNEL = "org.qemu.guest_agent.0";

    private static final Map<String, Long> UNITS = Map.ofEntries(Map.entry("b", 1L), Map.entry("bytes", 1L),
            Map.entry("kb", 1000L), Map.entry("k", 1024L), Map.entry("kib", 1024L), Map.entry("mb", 1000_000L),
            Map.entry("m", 1L << 20), Map.entry("mib", 1L << 20), Map.entry("gb", 1000_000_000L),
            Map.entry("g", 1L << 30), Map.entry("gib", 1L << 30), Map.entry("tb", 1000_000_000_000L),
            Map.entry("t", 1L << 40), Map.entry("tib", 1L << 40));

    DomainXml {
        disks = List.copyOf(disks);
    }

    static DomainXml parse(String xml) {
        Element domain = document(xml).getDocumentElement();
        String uuid = text(child(domain, "uuid"));
        String name = text(child(domain, "name"));
        long memory = memory(child(domain, "memory"));
        String guestOs = "unknown";
        Element metadata = child(domain, "metadata");
        if (metadata != null) {
            NodeList os = metadata.getElementsByTagNameNS("*", "os");
            for (int i = 0; i < os.getLength(); i++) {
                String id = ((Element) os.item(i)).getAttribute("id");
                if (!id.isEmpty()) {
                    guestOs = id;
                    break;
                }
            }
        }
        boolean agent = false;
        boolean connected = false;
        List<Path> disks = new ArrayList<>();
        String blocked = null;
        Element devices = child(domain, "devices");
        if (devices != null) {
            for (Element channel : children(devices, "channel")) {
                Element target = child(channel, "target");
                if (target != null && AGENT_CHANNEL.equals(target.getAttribute("name"))) {
                    agent = true;
                    connected = "connected".equals(target.getAttribute("state"));
                }
            }
            for (Element disk : children(devices, "disk")) {
                String device = disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device");
                if (device.equals("cdrom") || device.equals("floppy")) {
                    continue;
                }
                String problem = problem(disk, device);
                if (problem != null) {
                    blocked = blocked == null ? problem : blocked + "; " + problem;
                    continue;
                }
                Element source = child(disk, "source");
                String file = source == null ? "" : source.getAttribute("file");
                if (!file.isEmpty()) {
                    disks.add(path(file));
                }
            }
        }
        return new DomainXml(uuid, name, memory, guestOs, agent, connected, disks, blocked);
    }

    /**
     * The file-backed disks ({@code device='disk'}, {@code type='file'}) of a definition, each with its
     * target, the file it writes to and that file's format.
     */
    static List<LibvirtBlocks.Disk> fileDisks(String xml) {
        Element devices = child(document(xml).getDocumentElement(), "devices");
        List<LibvirtBlocks.Disk> disks = new ArrayList<>();
        for (Element disk : devices == null ? List.<Element>of() : children(devices, "disk")) {
            String device = disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device");
            String type = disk.getAttribute("type").isEmpty() ? "file" : disk.getAttribute("type");
            Element source = child(disk, "source");
            Element target = child(disk, "target");
            Element driver = child(disk, "driver");
            if (device.equals("disk") && type.equals("file") && source != null && !source.getAttribute("file").isEmpty()
                    && target != null) {
                disks.add(new LibvirtBlocks.Disk(target.getAttribute("dev"), path(source.getAttribute("file")),
                        driver == null || driver.getAttribute("type").isEmpty() ? "raw" : driver.getAttribute("type")));
            }
        }
        return disks;
    }

    /** Why Stillpoint cannot snapshot this disk, or null. */
    private static String problem(Element disk, String device) {
        Element target = child(disk, "target");
        String name = "disk '" + (target == null ? "?" : target.getAttribute("dev")) + "'";
        String type = disk.getAttribute("type").isEmpty() ? "file" : disk.getAttribute("type");
        Element source = child(disk, "source");
        if (device.equals("lun")) {
            return name + " passes a LUN through (device='lun'), which Stillpoint cannot snapshot";
        }
        if (!device.equals("disk")) {
            return name + " is a " + device + " device, which Stillpoint cannot snapshot";
        }
        if (type.equals("block")) {
            return name + " is the block device " + (source == null ? "?" : source.getAttribute("dev"))
                    + " (type='block'), which Stillpoint cannot snapshot; it snapshots qcow2 and raw files";
        }
        if (type.equals("network")) {
            String protocol = source == null ? "?" : source.getAttribute("protocol");
            return name + " is a network disk (type='network', protocol '" + protocol + "'), which Stillpoint cannot"
                    + " snapshot; it snapshots qcow2 and raw files";
        }
        if (!type.equals("file")) {
            return name + " is of type '" + type + "', not a file, which Stillpoint cannot snapshot";
        }
        Element driver = child(disk, "driver");
        String format = driver == null ? "" : driver.getAttribute("type");
        if (!format.equals("qcow2") && !format.equals("raw")) {
            return name + " is a " + (format.isEmpty() ? "disk of unknown format" : format + " image")
                    + ", not qcow2 or raw, which Stillpoint cannot snapshot";
        }
        String file = source == null ? "" : source.getAttribute("file");
        if (!file.isEmpty() && !file.startsWith("/")) {
            return name + "'s file '" + file + "' is not an absolute path";
        }
        return null;
    }

    private static Path path(String file) {
        try {
            return Path.of(file);
        } catch (InvalidPathException e) {
            throw new HostException("a domain's disk '" + file + "' is not a path: " + e.getMessage());
        }
    }

    private static long memory(Element memory) {
        if (memory == null) {
            return 0;
        }
        String unit = memory.getAttribute("unit").isEmpty() ? "kib" : memory.getAttribute("unit").toLowerCase(Locale.ROOT);
        try {
            return Long.parseLong(text(memory)) * UNITS.getOrDefault(unit, 1024L);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    static Document document(String xml) {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setNamespaceAware(true);
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
            factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
            factory.setXIncludeAware(false);
            factory.setExpandEntityReferences(false);
            DocumentBuilder builder = factory.newDocumentBuilder();
            return builder.parse(new InputSource(new StringReader(xml)));
        } catch (ParserConfigurationException | SAXException | IOException e) {
            throw new HostException("libvirt returned domain XML Stillpoint cannot read: " + e.getMessage(), false, e);
        }
    }

    private static Element child(Element parent, String name) {
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && name.equals(element.getLocalName())) {
                return element;
            }
        }
        return null;
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
            if (node instanceof Element element && name.equals(element.getLocalName())) {
                found.add(element);
            }
        }
        return found;
    }

    private static String text(Element element) {
        return element == null ? "" : element.getTextContent().strip();
    }
}
