package io.stillpoint.host.libvirt;

import com.sun.jna.Native;
import io.stillpoint.host.HostException;

/**
 * Loads {@code libvirt.so.0} the first time a libvirt host is used, never before: a server without
 * libvirt starts and serves every other host. Loading also registers libvirt's default event loop and
 * runs it on one daemon thread for the whole process, which keepalive needs to notice a dead libvirtd.
 */
final class LibvirtLibrary {

    private static final System.Logger LOG = System.getLogger(LibvirtLibrary.class.getName());
    /** Kept reachable for as long as libvirt may call it. */
    private static final LibvirtNative.ErrorFunc SILENT = (userData, error) -> { };

    private static LibvirtNative loaded;

    private LibvirtLibrary() {}

    static synchronized LibvirtNative get() {
        if (loaded != null) {
            return loaded;
        }
        LibvirtNative library = load();
        library.virSetErrorFunc(null, SILENT);
        if (library.virEventRegisterDefaultImpl() < 0) {
            throw new HostException("libvirt's event loop could not be registered: " + library.virGetLastErrorMessage());
        }
        Thread events = new Thread(() -> runEvents(library), "libvirt-events");
        events.setDaemon(true);
        events.start();
        loaded = library;
        return library;
    }

    private static LibvirtNative load() {
        return load(LibvirtNative.class);
    }

    private static <T extends com.sun.jna.Library> T load(Class<T> functions) {
        UnsatisfiedLinkError first;
        try {
            return Native.load("virt", functions);
        } catch (UnsatisfiedLinkError e) {
            first = e;
        }
        try {
            // Without the development package there is no unversioned libvirt.so to find by name.
            return Native.load("libvirt.so.0", functions);
        } catch (UnsatisfiedLinkError e) {
            e.addSuppressed(first);
            throw new HostException("libvirt is not installed on this server (libvirt.so.0 not found; Debian's"
                    + " package is libvirt0)", false, e);
        }
    }

    private static void runEvents(LibvirtNative library) {
        while (true) {
            if (library.virEventRunDefaultImpl() < 0) {
                LOG.log(System.Logger.Level.ERROR, "libvirt's event loop failed, so a lost libvirtd is noticed only"
                        + " when a call fails: " + library.virGetLastErrorMessage());
                return;
            }
        }
    }
}
