package io.stillpoint.host.libvirt;

import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.xml.XMLConstants;
import javax.xml.transform.OutputKeys;
import javax.xml.transform.Transformer;
import javax.xml.transform.TransformerException;
import javax.xml.transform.TransformerFactory;
import javax.xml.transform.dom.DOMSource;
import javax.xml.transform.stream.StreamResult;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * Edits of a domain's definition. For a new domain from a restore point's definition, one that can run
 * beside the original:
 * a new name, no UUID and no MAC addresses (libvirt makes new ones when it defines it), the disks on their
 * restored files, and nothing the original holds on the host (its NVRAM file, the paths of its channel
 * sockets, fixed console ports, the log file of a serial port or console, which becomes a pty), which
 * libvirt then makes afresh for the new domain.
 */
final class DomainDefinitions {

    private static final Set<String> FIXED_PORTS = Set.of("port", "tlsPort", "websocket");

    private DomainDefinitions() {}

    /**
     * @param disks by target ({@code vda}), the restored file each file-backed disk of the definition is to
     *     use; a disk of the definition missing here is refused, as the new domain would write to the original's
     */
    static String forNewDomain(String definition, String name, Map<String, Path> disks) {
        Document document = DomainXml.document(definition);
        Element domain = document.getDocumentElement();
        text(document, domain, "name", name);
        remove(children(domain, "uuid"));
        Element devices = child(domain, "devices");
        if (devices != null) {
            for (Element iface : children(devices, "interface")) {
                remove(children(iface, "mac"));
            }
            for (Element disk : children(devices, "disk")) {
                String device = disk.getAttribute("device").isEmpty() ? "disk" : disk.getAttribute("device");
                Element target = child(disk, "target");
                Element source = child(disk, "source");
                if (!device.equals("disk") || source == null || !source.hasAttribute("file")) {
                    continue;
                }
                String dev = target == null ? "" : target.getAttribute("dev");
                Path file = disks.get(dev);
                if (file == null) {
                    throw new IllegalArgumentException("disk '" + dev + "' of the definition has no restored file");
                }
                source.setAttribute("file", file.toString());
                source.removeAttribute("index");
                remove(children(disk, "backingStore"));
            }
            for (Element channel : children(devices, "channel")) {
                if (channel.getAttribute("type").equals("unix")) {
                    remove(children(channel, "source"));
                }
            }
            for (String port : List.of("serial", "console")) {
                for (Element chardev : children(devices, port)) {
                    if (chardev.getAttribute("type").equals("file")) {
                        chardev.setAttribute("type", "pty");
                        remove(children(chardev, "source"));
                    }
                }
            }
            for (Element graphics : children(devices, "graphics")) {
                if (graphics.getAttribute("autoport").equals("no")) {
                    graphics.setAttribute("autoport", "yes");
                    FIXED_PORTS.forEach(graphics::removeAttribute);
                }
            }
        }
        Element os = child(domain, "os");
        if (os != null) {
            remove(children(os, "nvram"));
        }
        return serialize(document);
    }

    /** A disk of an instant recovery: a qcow2 overlay of Stillpoint's on a restore point's image. */
    record Overlay(Path file, Path backing, String backingFormat) {}

    /**
     * A new domain, as {@link #forNewDomain} makes it, whose disks are {@code overlays} (by target). Each
     * disk's chain is written out (overlay, the point's image, nothing below), so libvirt probes no image,
     * and the point's image carries {@code <seclabel model='dac' relabel='no'/>}: libvirt's DAC driver then
     * neither chowns it when the domain starts nor gives it an owner back when it stops. The overlay is
     * relabelled as any disk is, for the QEMU user to write it.
     */
    static String forInstantRecovery(String definition, String name, Map<String, Overlay> overlays) {
        Map<String, Path> files = new java.util.LinkedHashMap<>();
        overlays.forEach((target, overlay) -> files.put(target, overlay.file()));
        Document document = DomainXml.document(forNewDomain(definition, name, files));
        Element devices = child(document.getDocumentElement(), "devices");
        for (Element disk : devices == null ? List.<Element>of() : children(devices, "disk")) {
            Element target = child(disk, "target");
            Overlay overlay = target == null ? null : overlays.get(target.getAttribute("dev"));
            if (overlay == null) {
                continue;
            }
            Element driver = child(disk, "driver");
            if (driver == null) {
                driver = document.createElement("driver");
                driver.setAttribute("name", "qemu");
                disk.insertBefore(driver, disk.getFirstChild());
            }
            driver.setAttribute("type", "qcow2");
            Element backing = document.createElement("backingStore");
            backing.setAttribute("type", "file");
            Element format = document.createElement("format");
            format.setAttribute("type", overlay.backingFormat());
            backing.appendChild(format);
            Element source = document.createElement("source");
            source.setAttribute("file", overlay.backing().toString());
            Element seclabel = document.createElement("seclabel");
            seclabel.setAttribute("model", "dac");
            seclabel.setAttribute("relabel", "no");
            source.appendChild(seclabel);
            backing.appendChild(source);
            backing.appendChild(document.createElement("backingStore"));
            disk.insertBefore(backing, child(disk, "source").getNextSibling());
        }
        return serialize(document);
    }

    /** The definition under another name, the rest as it is. */
    static String withName(String definition, String name) {
        Document document = DomainXml.document(definition);
        text(document, document.getDocumentElement(), "name", name);
        return serialize(document);
    }

    /** The definition with disk {@code target} on {@code file}, an image of {@code format}, backing files unsaid. */
    static String withDiskSource(String definition, String target, Path file, String format) {
        Document document = DomainXml.document(definition);
        Element devices = child(document.getDocumentElement(), "devices");
        for (Element disk : devices == null ? List.<Element>of() : children(devices, "disk")) {
            Element dev = child(disk, "target");
            Element source = child(disk, "source");
            if (dev != null && dev.getAttribute("dev").equals(target) && source != null) {
                source.setAttribute("file", file.toString());
                source.removeAttribute("index");
                remove(children(disk, "backingStore"));
                Element driver = child(disk, "driver");
                if (driver == null) {
                    driver = document.createElement("driver");
                    driver.setAttribute("name", "qemu");
                    disk.insertBefore(driver, disk.getFirstChild());
                }
                driver.setAttribute("type", format);
                return serialize(document);
            }
        }
        throw new IllegalArgumentException("the definition has no disk '" + target + "'");
    }

    private static void text(Document document, Element parent, String name, String value) {
        Element element = child(parent, name);
        if (element == null) {
            element = document.createElement(name);
            parent.insertBefore(element, parent.getFirstChild());
        }
        element.setTextContent(value);
    }

    private static Element child(Element parent, String name) {
        List<Element> found = children(parent, name);
        return found.isEmpty() ? null : found.get(0);
    }

    private static List<Element> children(Element parent, String name) {
        List<Element> found = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element element && element.getTagName().equals(name)) {
                found.add(element);
            }
        }
        return found;
    }

    private static void remove(List<Element> elements) {
        for (Node node : elements) {
            node.getParentNode().removeChild(node);
        }
    }

    private static String serialize(Document document) {
        try {
            TransformerFactory factory = TransformerFactory.newInstance();
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
            factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_STYLESHEET, "");
            Transformer transformer = factory.newTransformer();
            transformer.setOutputProperty(OutputKeys.OMIT_XML_DECLARATION, "yes");
            StringWriter out = new StringWriter();
            transformer.transform(new DOMSource(document), new StreamResult(out));
            return out.toString();
        } catch (TransformerException e) {
            throw new IllegalStateException("a parsed domain definition could not be written again", e);
        }
    }
}
