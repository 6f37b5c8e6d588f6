package io.stillpoint.guestfiles;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One libguestfs handle: the calls Stillpoint makes, typed. Every argument travels as a JNI string or array,
 * never through a command parser, so a guest's file name cannot become a command.
 */
final class GuestFs implements AutoCloseable {

    /** What {@code lstatns} says about one entry; {@code ino == -1} when the entry could not be read. */
    record Stat(long ino, long mode, long nlink, long uid, long gid, long size, long mtimeSec, long mtimeNsec,
            long atimeSec, long atimeNsec) {

        static final long S_IFMT = 0170000;
        static final long S_IFDIR = 0040000;
        static final long S_IFREG = 0100000;
        static final long S_IFLNK = 0120000;

        boolean isDirectory() {
            return (mode & S_IFMT) == S_IFDIR;
        }

        boolean isRegularFile() {
            return (mode & S_IFMT) == S_IFREG;
        }

        boolean isSymbolicLink() {
            return (mode & S_IFMT) == S_IFLNK;
        }

        String type() {
            long kind = mode & S_IFMT;
            if (kind == S_IFDIR) {
                return "directory";
            } else if (kind == S_IFREG) {
                return "file";
            } else if (kind == S_IFLNK) {
                return "symlink";
            }
            return "other";
        }

        static Stat of(Object s) {
            return new Stat(GuestFsBinding.field(s, "st_ino"), GuestFsBinding.field(s, "st_mode"),
                    GuestFsBinding.field(s, "st_nlink"), GuestFsBinding.field(s, "st_uid"),
                    GuestFsBinding.field(s, "st_gid"), GuestFsBinding.field(s, "st_size"),
                    GuestFsBinding.field(s, "st_mtime_sec"), GuestFsBinding.field(s, "st_mtime_nsec"),
                    GuestFsBinding.field(s, "st_atime_sec"), GuestFsBinding.field(s, "st_atime_nsec"));
        }
    }

    private final GuestFsBinding binding;
    private final Object handle;

    GuestFs(GuestFsBinding binding, Object handle) {
        this.binding = binding;
        this.handle = handle;
    }

    private Object call(String name, Object... args) {
        return binding.call(handle, name, args);
    }

    void configure(String backend, List<String> backendSettings, int memoryMib) {
        call("set_backend", backend);
        call("set_backend_settings", (Object) backendSettings.toArray(String[]::new));
        call("set_memsize", memoryMib);
        // The default, said out loud: a process beside the appliance kills it when the server dies.
        call("set_recovery_proc", true);
    }

    /**
     * Adds a disk read-only (writes go to a throwaway overlay in the appliance) with its format given, never
     * probed: a raw disk whose guest wrote a qcow2 header into it stays raw.
     */
    void addDriveReadOnly(String file, String format) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("readonly", true);
        options.put("format", format);
        call("add_drive_opts", file, options);
    }

    void launch() {
        call("launch");
    }

    int pid() {
        return (Integer) call("get_pid");
    }

    @SuppressWarnings("unchecked")
    Map<String, String> listFilesystems() {
        return (Map<String, String>) call("list_filesystems");
    }

    long deviceSize(String device) {
        return (Long) call("blockdev_getsize64", device);
    }

    String label(String device) {
        return (String) call("vfs_label", device);
    }

    List<String> inspectOs() {
        return Arrays.asList((String[]) call("inspect_os"));
    }

    @SuppressWarnings("unchecked")
    Map<String, String> inspectMountpoints(String root) {
        return (Map<String, String>) call("inspect_get_mountpoints", root);
    }

    String inspectProductName(String root) {
        return (String) call("inspect_get_product_name", root);
    }

    void mkmountpoint(String path) {
        call("mkmountpoint", path);
    }

    void mountReadOnly(String device, String mountpoint) {
        call("mount_ro", device, mountpoint);
    }

    List<String> ls(String dir) {
        return Arrays.asList((String[]) call("ls", dir));
    }

    List<Stat> lstatList(String dir, List<String> names) {
        Object[] stats = (Object[]) call("lstatnslist", dir, names.toArray(String[]::new));
        List<Stat> result = new ArrayList<>(stats.length);
        for (Object s : stats) {
            result.add(Stat.of(s));
        }
        return result;
    }

    List<String> readlinkList(String dir, List<String> names) {
        return Arrays.asList((String[]) call("readlinklist", dir, names.toArray(String[]::new)));
    }

    Stat lstat(String path) {
        return Stat.of(call("lstatns", path));
    }

    String realpath(String path) {
        return (String) call("realpath", path);
    }

    /** The extended attributes of one entry, by name; values as libguestfs's binding hands them over (text). */
    Map<String, String> xattrs(String path) {
        Map<String, String> result = new LinkedHashMap<>();
        for (Object x : (Object[]) call("lgetxattrs", path)) {
            result.put(GuestFsBinding.text(x, "attrname"), GuestFsBinding.text(x, "attrval"));
        }
        return result;
    }

    /** Kilobytes the tree under {@code path} uses. */
    long du(String path) {
        return (Long) call("du", path);
    }

    void downloadRange(String path, String hostFile, long offset, long size) {
        call("download_offset", path, hostFile, offset, size);
    }

    void tarOut(String dir, String hostFile) {
        Map<String, Object> options = new LinkedHashMap<>();
        options.put("numericowner", true);
        options.put("xattrs", true);
        options.put("acls", true);
        call("tar_out", dir, hostFile, options);
    }

    /** Aborts a transfer in progress; the one call libguestfs allows from another thread. */
    void userCancel() {
        call("user_cancel");
    }

    @Override
    public void close() {
        call("close");
    }
}
