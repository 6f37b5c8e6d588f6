package io.stillpoint.host.simulated;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;
import org.xml.sax.SAXException;

/**
 * A guest's configuration, stored as {@code Virtual Machines/<id>.xml} in the spirit of Hyper-V's
 * configuration file: written once when the guest is created.
 *
 * @param disks disk file names inside {@code Virtual Hard Disks}
 */
record GuestConfig(String id, String name, long memoryBytes, String guestOs, boolean canQuiesce, List<String> disks) {

    GuestConfig {
        disks = List.copyOf(disks);
    }

    byte[] toXml() {
        StringBuilder xml = new StringBuilder()
                .append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
                .append("<configuration>\n")
                .append("  <properties>\n")
                .append("    <name>").append(escape(name)).append("</name>\n")
                .append("    <global_id>").append(escape(id)).append("</global_id>\n")
                .append("    <guest_os>").append(escape(guestOs)).append("</guest_os>\n")
                .append("    <can_quiesce>").append(canQuiesce).append("</can_quiesce>\n")
                .append("  </properties>\n")
                .append("  <memory>\n")
                .append("    <size_bytes>").append(memoryBytes).append("</size_bytes>\n")
                .append("  </memory>\n")
                .append("  <drives>\n");
        for (String disk : disks) {
            xml.append("    <drive><pathname>").append(escape(disk)).append("</pathname></drive>\n");
        }
        return xml.append("  </drives>\n").append("</configuration>\n").toString().getBytes(StandardCharsets.UTF_8);
    }

    static GuestConfig read(Path file) throws IOException {
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            Document doc = factory.newDocumentBuilder().parse(new ByteArrayInputStream(Files.readAllBytes(file)));
            Element root = doc.getDocumentElement();
            List<String> disks = new ArrayList<>();
            NodeList paths = root.getElementsByTagName("pathname");
            for (int i = 0; i < paths.getLength(); i++) {
                disks.add(paths.item(i).getTextContent().trim());
            }
            return new GuestConfig(
                    text(root, "global_id"),
                    text(root, "name"),
                    Long.parseLong(text(root, "size_bytes")),
                    text(root, "guest_os"),
                    Boolean.parseBoolean(text(root, "can_quiesce")),
                    disks);
        } catch (ParserConfigurationException | SAXException | NumberFormatException e) {
            throw new IOException("unreadable guest configuration " + file + ": " + e.getMessage(), e);
        }
    }

    private static String text(Element root, String tag) throws IOException {
        NodeList nodes = root.getElementsByTagName(tag);
        if (nodes.getLength() != 1) {
            throw new IOException("expected one <" + tag + "> element, found " + nodes.getLength());
        }
        return nodes.item(0).getTextContent().trim();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
