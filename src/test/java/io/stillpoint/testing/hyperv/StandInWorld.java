package io.stillpoint.testing.hyperv;

import io.stillpoint.host.hyperv.HyperVConfig;
import io.stillpoint.host.hyperv.HyperVHypervisor;
import io.stillpoint.host.hyperv.HyperVHypervisorFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A Hyper-V host in a folder: volumes as directories ({@code volumes/C}, {@code volumes/D}), VMs laid out
 * as Hyper-V lays them out, the stand-in {@code powershell} and {@code diskshadow} as executables that
 * start {@link StandInPowerShell} and {@link StandInDiskShadow} in their own JVMs, and guests that keep
 * writing to their disks while RUNNING. A guest replaces a disk file whole on every write, which is how a
 * hard-linked shadow copy keeps its instant.
 */
public final class StandInWorld implements AutoCloseable {

    public static final String WRITER_ID = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}";

    private final Path root;
    private final Path world;
    private final Path powershell;
    private final Path diskshadow;
    private final ScheduledExecutorService guests = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "stand-in-guests");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong writes = new AtomicLong();

    public StandInWorld(Path root) throws IOException {
        this.root = root;
        this.world = root.resolve("world");
        for (String dir : List.of("vms", "faults", "shadows", "tmp")) {
            Files.createDirectories(world.resolve(dir));
        }
        Files.createDirectories(root.resolve("mounts"));
        Files.writeString(world.resolve("volumes.txt"), "");
        Files.writeString(world.resolve("virtual-machine-path.txt"), root.resolve("volumes/C/Hyper-V").toString());
        Path bin = Files.createDirectories(root.resolve("bin"));
        this.powershell = wrapper(bin.resolve("powershell"), StandInPowerShell.class);
        this.diskshadow = wrapper(bin.resolve("diskshadow"), StandInDiskShadow.class);
        guests.scheduleWithFixedDelay(this::guestsWrite, 20, 20, TimeUnit.MILLISECONDS);
    }

    /** A shell wrapper that replaces itself by the stand-in's JVM, so killing it kills the stand-in. */
    private Path wrapper(Path file, Class<?> main) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classes = Path.of(main.getProtectionDomain().getCodeSource().getLocation().getPath()).toString();
        Files.writeString(file, "#!/bin/sh\nexec '" + java + "' -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp '"
                + classes + "' " + main.getName() + " '" + world + "' \"$@\"\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        return file;
    }

    /** A volume, as the host setting {@code volumes} and diskshadow's {@code add volume} name it. */
    public String volume(String label) throws IOException {
        Path volume = Files.createDirectories(root.resolve("volumes").resolve(label));
        List<String> known = new ArrayList<>(Files.readAllLines(world.resolve("volumes.txt")));
        if (!known.contains(volume.toString())) {
            known.add(volume.toString());
            Files.write(world.resolve("volumes.txt"), known);
        }
        return volume.toString();
    }

    /** A RUNNING VM with its folder on {@code configVolume} and its disks on {@code diskVolume}. */
    public String addVm(String name, boolean canQuiesce, String configVolume, String diskVolume) throws IOException {
        String id = UUID.randomUUID().toString();
        Path folder = Path.of(volume(configVolume)).resolve("Hyper-V").resolve(name);
        Path disks = configVolume.equals(diskVolume) ? folder.resolve("Virtual Hard Disks")
                : Path.of(volume(diskVolume)).resolve("Disks").resolve(name);
        Files.createDirectories(folder.resolve("Virtual Machines"));
        Files.createDirectories(disks);
        List<String> drives = new ArrayList<>();
        for (String disk : List.of("system.vhdx", "data.vhdx")) {
            Path file = disks.resolve(disk);
            Files.write(file, block(0));
            drives.add(file.toString());
        }
        Properties vm = new Properties();
        vm.setProperty("Name", name);
        vm.setProperty("Id", id);
        vm.setProperty("MemoryStartup", Long.toString(1L << 30));
        vm.setProperty("Path", folder.toString());
        vm.setProperty("ConfigurationLocation", folder.toString());
        vm.setProperty("HardDrives", String.join("|", drives));
        vm.setProperty("BackupEnabled", Boolean.toString(canQuiesce));
        vm.setProperty("BackupStatus", canQuiesce ? "OK" : "No Contact");
        vm.setProperty("BackupServiceName", "Backup (volume shadow copy)");
        vm.setProperty("BackupServiceGuid", HyperVHypervisor.BACKUP_SERVICE_ID);
        StandInFiles.write(folder.resolve("Virtual Machines").resolve(id + ".vmcx"), vm, world.resolve("tmp"));
        vm.setProperty("State", "Running");
        StandInFiles.write(world.resolve("vms").resolve(id + ".properties"), vm, world.resolve("tmp"));
        return id;
    }

    /** What Hyper-V knows of the VM: its name, id, state, folder and disks. */
    public Properties vm(String id) {
        return StandInFiles.read(world.resolve("vms").resolve(id + ".properties"));
    }

    /** Every VM id Hyper-V knows. */
    public List<String> vmIds() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> records = Files.newDirectoryStream(world.resolve("vms"), "*.properties")) {
            records.forEach(r -> ids.add(r.getFileName().toString().replace(".properties", "")));
        }
        return ids;
    }

    /** Gives the VM's backup integration service the name a host in another language shows. */
    public void localizeBackupService(String id, String name) {
        Path file = world.resolve("vms").resolve(id + ".properties");
        Properties vm = StandInFiles.read(file);
        vm.setProperty("BackupServiceName", name);
        StandInFiles.write(file, vm, world.resolve("tmp"));
    }

    /** Removes the VM from Hyper-V as {@code Remove-VM} does: its files stay. */
    public void removeVm(String id) throws IOException {
        Files.delete(world.resolve("vms").resolve(id + ".properties"));
    }

    public String state(String id) {
        return StandInFiles.read(world.resolve("vms").resolve(id + ".properties")).getProperty("State");
    }

    /** Sets a VM's state as Hyper-V would report it, e.g. {@code PausedCritical} when its storage is gone. */
    public void setState(String id, String state) {
        Path file = world.resolve("vms").resolve(id + ".properties");
        Properties vm = StandInFiles.read(file);
        vm.setProperty("State", state);
        StandInFiles.write(file, vm, world.resolve("tmp"));
    }

    public Path root() {
        return root;
    }

    /** Arms a one-shot fault of a stand-in (see their class comments). */
    public void fault(String name) throws IOException {
        Files.writeString(world.resolve("faults").resolve(name), "armed\n");
    }

    public List<String> calls() throws IOException {
        Path log = world.resolve("calls.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    /** The diskshadow scripts run so far, in order. */
    public List<String> scripts() throws IOException {
        List<String> all = new ArrayList<>();
        Path dir = world.resolve("scripts");
        if (Files.isDirectory(dir)) {
            try (var files = Files.list(dir)) {
                for (Path file : files.sorted().toList()) {
                    all.add(Files.readString(file));
                }
            }
        }
        return all;
    }

    /** Shadow copies that exist now. */
    public List<String> shadows() throws IOException {
        List<String> ids = new ArrayList<>();
        try (DirectoryStream<Path> records = Files.newDirectoryStream(world.resolve("shadows"), "*.properties")) {
            records.forEach(r -> ids.add(r.getFileName().toString().replace(".properties", "")));
        }
        return ids;
    }

    public Path mountRoot() {
        return root.resolve("mounts");
    }

    /** A server configuration whose tools are the stand-ins. */
    public HyperVConfig config(Duration saveTimeout) {
        return config(saveTimeout, Duration.ofSeconds(20));
    }

    public HyperVConfig config(Duration saveTimeout, Duration releaseTimeout) {
        String ps = powershell.toString();
        String ds = diskshadow.toString();
        String mounts = mountRoot().toString();
        return new HyperVConfig() {
            @Override
            public String powershell() {
                return ps;
            }

            @Override
            public String diskshadow() {
                return ds;
            }

            @Override
            public Optional<List<String>> allowedExecutables() {
                return Optional.empty();
            }

            @Override
            public String mountRoot() {
                return mounts;
            }

            @Override
            public Duration commandTimeout() {
                return Duration.ofSeconds(20);
            }

            @Override
            public Duration importTimeout() {
                return Duration.ofSeconds(20);
            }

            @Override
            public Duration saveTimeout() {
                return saveTimeout;
            }

            @Override
            public Duration snapshotTimeout() {
                return Duration.ofSeconds(20);
            }

            @Override
            public Duration releaseTimeout() {
                return releaseTimeout;
            }

            @Override
            public Duration maxExposure() {
                return Duration.ofSeconds(60);
            }
        };
    }

    public Path powershell() {
        return powershell;
    }

    public Path diskshadow() {
        return diskshadow;
    }

    /**
     * The settings of a Hyper-V host over the stand-ins, for the API: the stand-ins as its tools (the
     * server's configuration must allow them), this world's mount root, and every volume made so far.
     */
    public Map<String, String> hostSettings() throws IOException {
        return Map.of(HyperVHypervisorFactory.POWERSHELL, powershell.toString(),
                HyperVHypervisorFactory.DISKSHADOW, diskshadow.toString(),
                HyperVHypervisorFactory.MOUNT_ROOT, mountRoot().toString(),
                HyperVHypervisorFactory.VOLUMES, String.join(",", Files.readAllLines(world.resolve("volumes.txt"))));
    }

    /** A host over the stand-ins, with every volume of this world named in its settings. */
    public HyperVHypervisor host(HyperVConfig config) throws IOException {
        return host(config, Map.of());
    }

    /** A host over the stand-ins with extra host settings, e.g. a remote prefix. */
    public HyperVHypervisor host(HyperVConfig config, Map<String, String> extra) throws IOException {
        Map<String, String> settings = new HashMap<>(extra);
        settings.put(HyperVHypervisorFactory.VOLUMES, String.join(",", Files.readAllLines(world.resolve("volumes.txt"))));
        return (HyperVHypervisor) new HyperVHypervisorFactory(config).create("hv-standin", settings);
    }

    public long guestWrites() {
        return writes.get();
    }

    private void guestsWrite() {
        try (DirectoryStream<Path> vms = Files.newDirectoryStream(world.resolve("vms"), "*.properties")) {
            for (Path file : vms) {
                Properties vm;
                try {
                    vm = StandInFiles.read(file);
                } catch (UncheckedIOException gone) {
                    continue;
                }
                if (!"Running".equals(vm.getProperty("State"))) {
                    continue;
                }
                long n = writes.incrementAndGet();
                for (String disk : vm.getProperty("HardDrives").split("\\|")) {
                    Path path = Path.of(disk);
                    if (Files.exists(path)) {
                        StandInFiles.replace(path, block(n), world.resolve("tmp"));
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // A VM removed or a world torn down between two ticks; the next tick reads again.
        }
    }

    private static byte[] block(long sequence) {
        ByteBuffer buffer = ByteBuffer.allocate(8192);
        buffer.putLong(sequence);
        buffer.put(("guest write " + sequence).getBytes(StandardCharsets.US_ASCII));
        return buffer.array();
    }

    @Override
    public void close() throws InterruptedException {
        guests.shutdownNow();
        guests.awaitTermination(5, TimeUnit.SECONDS);
    }
}
