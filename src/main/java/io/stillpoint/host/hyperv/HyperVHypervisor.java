package io.stillpoint.host.hyperv;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.NoFollowDelete;
import io.stillpoint.fs.NotOwnedException;
import io.stillpoint.host.AbstractGuestHold;
import io.stillpoint.host.GuestHold;
import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestNames;
import io.stillpoint.host.GuestNotFoundException;
import io.stillpoint.host.GuestSpec;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HoldMode;
import io.stillpoint.host.HostCapabilities;
import io.stillpoint.host.HostException;
import io.stillpoint.host.Hypervisor;
import io.stillpoint.host.InvalidGuestSpecException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hyper-V host driven through the Hyper-V PowerShell module. Every call is one PowerShell process with
 * a deadline; every answer is JSON made by {@code ConvertTo-Json}, and the same {@code Describe} function
 * shapes every VM, so inventory and state changes read alike.
 *
 * <p>Hyper-V's online backup is the Hyper-V VSS writer's own work (it asks the guest's VSS through the
 * "Backup (volume shadow copy)" integration service, found by its id whatever the host's language, while
 * the shadow copy is created), so a {@link HoldMode#FREEZE} hold only checks that the guest can take part
 * and leaves it running.
 */
public final class HyperVHypervisor implements Hypervisor {

    public static final String KIND = "hyperv";
    /** The integration service whose guest side makes an online (application-consistent) backup possible. */
    public static final String BACKUP_SERVICE = "Backup (volume shadow copy)";
    /**
     * That service's id within a VM: {@code Get-VMIntegrationService} reports its {@code Id} as {@code
     * Microsoft:<VM id>\<this GUID>} in every language, while its {@code Name} is translated (e.g. on a
     * German host). Not from a Microsoft reference page: taken from Vagrant's Hyper-V driver, which maps
     * it for this very reason, and matching captured Hyper-V output ({@code Msvm_VssComponent} device
     * ids); the English names remain a fallback for a host that answers otherwise.
     */
    public static final String BACKUP_SERVICE_ID = "5CED1297-4598-4915-A5FC-AD21BB4D02A4";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration POLL = Duration.ofMillis(250);
    /** Get-VM does not say which system a guest runs; only the guest's KVP exchange would. */
    private static final String GUEST_OS = "unknown";

    /** Shapes one VM as JSON; every script that answers about VMs uses it. */
    private static final String DESCRIBE = """
            function Describe($vm) {
              $services = @(Get-VMIntegrationService -VM $vm)
              $vss = $services | Where-Object { $_.Id -like '*\\%s' } | Select-Object -First 1
              if (-not $vss) { $vss = $services | Where-Object { $_.Name -eq '%s' -or $_.Name -eq 'VSS' } | Select-Object -First 1 }
              [pscustomobject]@{
                Name = $vm.Name
                Id = $vm.Id.ToString()
                State = $vm.State.ToString()
                MemoryStartup = $vm.MemoryStartup
                Path = $vm.Path
                ConfigurationLocation = $vm.ConfigurationLocation
                HardDrives = @(Get-VMHardDiskDrive -VM $vm | ForEach-Object { $_.Path })
                BackupService = if ($vss) { [pscustomobject]@{ Enabled = $vss.Enabled; PrimaryStatusDescription = $vss.PrimaryStatusDescription } } else { $null }
              }
            }
            """.formatted(BACKUP_SERVICE_ID, BACKUP_SERVICE);
    /** Where a restore puts a VM to be imported as new, inside the new VM's own folder. */
    static final String RESTORED = "Restored";
    private static final Pattern DISK = Pattern.compile("(?i).+\\.a?vhdx?");
    private static final String ANSWER = "ConvertTo-Json -Depth 4 -Compress -InputObject @($vm | ForEach-Object { Describe $_ })\n";

    private final String name;
    private final HyperVSettings settings;
    private final PowerShell powershell;
    /** Where each VM's configuration was last seen, to register it again after a restore removed it. */
    private final Map<String, String> configurationLocations = new ConcurrentHashMap<>();

    public HyperVHypervisor(String name, HyperVSettings settings) {
        this.name = name;
        this.settings = settings;
        this.powershell = new PowerShell(settings.powershell(), settings.remoteSession());
    }

    @Override
    public String kind() {
        return KIND;
    }

    @Override
    public String name() {
        return name;
    }

    public HyperVSettings settings() {
        return settings;
    }

    @Override
    public HostCapabilities capabilities() {
        return new HostCapabilities(true, true, true, true, false);
    }

    @Override
    public List<GuestInfo> guests() {
        List<GuestInfo> guests = new ArrayList<>();
        for (VmRecord vm : parse(powershell.run("listing the VMs of host '" + name + "'",
                DESCRIBE + "$vm = Get-VM\n" + ANSWER, settings.commandTimeout()))) {
            guests.add(vm.state().stable().isPresent() ? vm.info() : guest(vm.id()));
        }
        return guests;
    }

    @Override
    public GuestInfo guest(String ref) {
        return settled(ref).info();
    }

    @Override
    public GuestInfo create(GuestSpec spec) {
        throw new HostException("host '" + name + "' is a Hyper-V host, which registers existing VMs only; create '"
                + spec.name() + "' in Hyper-V and it is listed here");
    }

    @Override
    public GuestHold hold(String ref, HoldMode mode) {
        VmRecord vm = settled(ref);
        if (vm.critical()) {
            throw new HostException("VM '" + vm.name() + "' on host '" + name + "' is in state " + vm.reportedState()
                    + ": Hyper-V cannot reach its storage");
        }
        GuestState prior = vm.state().stable().orElseThrow();
        if (prior != GuestState.RUNNING) {
            return new Hold(ref, mode, prior, true);
        }
        switch (mode) {
            case FREEZE -> {
                if (!vm.canQuiesce()) {
                    throw new HostException("VM '" + vm.name() + "' cannot quiesce itself: its integration service '"
                            + BACKUP_SERVICE + "' is not enabled or does not report OK");
                }
            }
            case PAUSE -> expect(act(ref, "Suspend-VM -VM $vm", "pausing", settings.commandTimeout()),
                    GuestState.PAUSED, "Suspend-VM");
            case SAVE_STATE -> saveState(vm);
            case STOP -> expect(act(ref, "Stop-VM -VM $vm -Force", "shutting down", settings.commandTimeout()),
                    GuestState.OFF, "Stop-VM");
        }
        return new Hold(ref, mode, prior, false);
    }

    /**
     * Save-VM past its deadline is the dangerous case: the save may still finish after the process was
     * killed. The VM is read again until it settles and started if it ended up still; the hold fails.
     */
    private void saveState(VmRecord vm) {
        try {
            expect(act(vm.id(), "Save-VM -VM $vm", "saving", settings.saveTimeout()), GuestState.SAVED, "Save-VM");
        } catch (PowerShell.PowerShellTimeoutException timedOut) {
            GuestState now;
            try {
                start(vm.id());
                now = guest(vm.id()).state();
            } catch (HostException checkFailed) {
                timedOut.addSuppressed(checkFailed);
                throw new HostException("Save-VM of VM '" + vm.name() + "' did not finish within "
                        + settings.saveTimeout() + ", and its state could not be checked: " + checkFailed.getMessage(),
                        true, timedOut);
            }
            throw new HostException("Save-VM of VM '" + vm.name() + "' did not finish within " + settings.saveTimeout()
                    + "; the guest was checked and is " + now, true, timedOut);
        }
    }

    @Override
    public void start(String ref) {
        VmRecord vm = settled(ref);
        switch (vm.state().stable().orElseThrow()) {
            case RUNNING -> { }
            case PAUSED -> expect(act(ref, "Resume-VM -VM $vm", "resuming", settings.commandTimeout()),
                    GuestState.RUNNING, "Resume-VM");
            case SAVED, OFF -> expect(act(ref, "Start-VM -VM $vm", "starting", settings.commandTimeout()),
                    GuestState.RUNNING, "Start-VM");
        }
    }

    @Override
    public void stop(String ref) {
        VmRecord vm = settled(ref);
        switch (vm.state().stable().orElseThrow()) {
            case OFF -> { }
            // A guest that is not running cannot shut down cleanly: a paused one runs on to do so, a saved
            // one has nothing to shut down but its saved memory.
            case PAUSED -> expect(act(ref, "Resume-VM -VM $vm\nStop-VM -VM $vm -Force", "shutting down",
                    settings.commandTimeout()), GuestState.OFF, "Stop-VM");
            case SAVED -> expect(act(ref, "Remove-VMSavedState -VM $vm", "discarding the saved state of",
                    settings.commandTimeout()), GuestState.OFF, "Remove-VMSavedState");
            case RUNNING -> expect(act(ref, "Stop-VM -VM $vm -Force", "shutting down", settings.commandTimeout()),
                    GuestState.OFF, "Stop-VM");
        }
    }

    /**
     * Reads the VM again after its files were replaced. If a restore removed the VM from Hyper-V, its
     * configuration is registered again in place with the same id ({@code Import-VM} without {@code -Copy}).
     */
    @Override
    public void reload(String ref) {
        requireId(ref);
        String location = configurationLocations.get(ref.toLowerCase(Locale.ROOT));
        String body = DESCRIBE + "$vm = Get-VM -Id " + PowerShell.quote(ref) + " -ErrorAction SilentlyContinue\n";
        if (location != null) {
            String machines = PowerShell.quote(location) + " 'Virtual Machines'";
            body += "if (-not $vm) {\n"
                    + "  $config = Join-Path (Join-Path " + machines + ") " + PowerShell.quote(ref + ".vmcx") + "\n"
                    + "  if (-not (Test-Path -LiteralPath $config)) { $config = Join-Path (Join-Path " + machines + ") "
                    + PowerShell.quote(ref + ".xml") + " }\n"
                    + "  $vm = Import-VM -Path $config\n"
                    + "}\n";
        }
        List<VmRecord> found = parse(powershell.run("reloading VM " + ref + " on host '" + name + "'", body + ANSWER,
                settings.commandTimeout()));
        if (found.isEmpty()) {
            throw new GuestNotFoundException(name, ref);
        }
        settled(ref);
    }

    /**
     * {@code <VirtualMachinePath>\<folder>\Restored}, under the host's default folder for new VMs, where
     * the folder is the name made safe as a Windows folder name ({@link GuestNames#fileName}). The restore
     * fills it; {@link #importGuest} then has Hyper-V copy it into the folder beside it.
     */
    @Override
    public Path newGuestDirectory(String guestName) {
        GuestNames.check("name", guestName);
        String body = "$vmFolder = Join-Path (Get-VMHost).VirtualMachinePath "
                + PowerShell.quote(GuestNames.fileName(guestName)) + "\n"
                + "$taken = @(Get-VM | Where-Object { $_.Name -eq " + PowerShell.quote(guestName) + " }).Count -gt 0\n"
                + "ConvertTo-Json -Compress -InputObject ([pscustomobject]@{ Home = $vmFolder; NameTaken = $taken;"
                + " HomeExists = (Test-Path -LiteralPath $vmFolder) })\n";
        JsonNode answer = object(powershell.run("choosing a folder for new VM '" + guestName + "' on host '" + name
                + "'", body, settings.commandTimeout()));
        String home = answer.path("Home").asText("");
        if (home.isEmpty()) {
            throw new HostException("host '" + name + "' did not say where it keeps new VMs", false, null);
        }
        if (answer.path("NameTaken").asBoolean(false)) {
            throw new InvalidGuestSpecException("name", "a VM named '" + guestName + "' already exists on host '"
                    + name + "'");
        }
        if (answer.path("HomeExists").asBoolean(false)) {
            throw new InvalidGuestSpecException("name", "the folder " + home + " for a VM named '" + guestName
                    + "' already exists on host '" + name + "'");
        }
        return Path.of(home, RESTORED);
    }

    /**
     * Hyper-V gives a VM a new id only while copying it ({@code Import-VM -Copy -GenerateNewId}), so the
     * restored folder is imported as a copy into the folder beside it and removed once Hyper-V holds the
     * new VM. The disks come from the restored copy ({@code -VhdSourcePath}), never from the paths the
     * configuration names, which are the original VM's disks.
     */
    @Override
    public GuestInfo importGuest(Path directory, String guestName) {
        if (!RESTORED.equals(String.valueOf(directory.getFileName())) || directory.getParent() == null) {
            throw new HostException("a restored VM must be in a folder from newGuestDirectory, not " + directory);
        }
        Path home = directory.getParent();
        String what = "importing restored VM '" + guestName + "' on host '" + name + "'";
        Path config = configuration(directory, what);
        Optional<Path> disks = diskFolder(directory, what);
        String body = DESCRIBE
                + "$vm = Import-VM -Path " + PowerShell.quote(config.toString()) + " -Copy -GenerateNewId"
                + " -VirtualMachinePath " + PowerShell.quote(home.toString())
                + " -SnapshotFilePath " + PowerShell.quote(home.toString())
                + " -SmartPagingFilePath " + PowerShell.quote(home.toString())
                + " -VhdDestinationPath " + PowerShell.quote(home.resolve("Virtual Hard Disks").toString())
                + disks.map(d -> " -VhdSourcePath " + PowerShell.quote(d.toString())).orElse("") + "\n"
                + "Rename-VM -VM $vm -NewName " + PowerShell.quote(guestName) + "\n"
                + "$vm = Get-VM -Id $vm.Id\n" + ANSWER;
        List<VmRecord> imported = parse(powershell.run(what, body, settings.importTimeout()));
        if (imported.size() != 1) {
            throw new HostException(what + ": Import-VM answered with " + imported.size() + " VMs", false, null);
        }
        try {
            removeRestoredCopy(home);
        } catch (IOException | NotOwnedException e) {
            throw new HostException(what + ": the VM was imported as " + imported.get(0).id()
                    + ", but the restored copy " + directory + " could not be removed: " + e.getMessage(), false, e);
        }
        return settled(imported.get(0).id()).info();
    }

    /**
     * Removes {@code <home>/Restored}, the copy the restore made in the new VM's folder (which did not exist
     * before {@link #newGuestDirectory}) and Hyper-V has now copied from. It is removed as an entry of
     * {@code home} without following anything: a restored VM folder may hold links or junctions, whose
     * targets are not Stillpoint's.
     */
    private static void removeRestoredCopy(Path home) throws IOException {
        Path restored = home.resolve(RESTORED);
        BasicFileAttributes attributes = Files.readAttributes(restored, BasicFileAttributes.class,
                LinkOption.NOFOLLOW_LINKS);
        if (!attributes.isDirectory() || attributes.isSymbolicLink() || attributes.isOther()) {
            throw new NotOwnedException(restored, "is a link or not a folder, so not the copy the restore made");
        }
        NoFollowDelete.entry(home, RESTORED);
    }

    /** The one configuration file of the restored VM, as Hyper-V keeps it in {@code Virtual Machines}. */
    private static Path configuration(Path directory, String what) {
        Path machines = directory.resolve("Virtual Machines");
        List<Path> configs;
        try (Stream<Path> files = Files.list(machines)) {
            configs = files.filter(f -> f.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".vmcx")).toList();
        } catch (IOException e) {
            throw new HostException(what + ": the restored copy has no folder " + machines + " to import from", false, e);
        }
        if (configs.size() != 1) {
            throw new HostException(what + ": the restored copy must hold exactly one .vmcx configuration in "
                    + machines + ", it holds " + configs.size(), false, null);
        }
        return configs.get(0);
    }

    /** The folder of the restored copy that holds its disks; Import-VM takes one. */
    private static Optional<Path> diskFolder(Path directory, String what) {
        Set<Path> folders = new TreeSet<>();
        try (Stream<Path> files = Files.walk(directory)) {
            files.filter(f -> DISK.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f))
                    .forEach(f -> folders.add(f.getParent()));
        } catch (IOException e) {
            throw new HostException(what + ": the restored copy " + directory + " cannot be read: " + e.getMessage(),
                    false, e);
        }
        if (folders.size() > 1) {
            throw new HostException(what + ": the restored disks are in " + folders.size() + " folders " + folders
                    + ", and Import-VM copies disks from one folder; restore to a path and import by hand", false, null);
        }
        return folders.stream().findFirst();
    }

    private VmRecord act(String ref, String action, String verb, Duration timeout) {
        requireId(ref);
        String body = DESCRIBE + "$vm = Get-VM -Id " + PowerShell.quote(ref) + " -ErrorAction SilentlyContinue\n"
                + "if ($vm) {\n" + action + "\n$vm = Get-VM -Id " + PowerShell.quote(ref) + "\n}\n" + ANSWER;
        List<VmRecord> answer = parse(powershell.run(verb + " VM " + ref + " on host '" + name + "'", body, timeout));
        if (answer.isEmpty()) {
            throw new GuestNotFoundException(name, ref);
        }
        return answer.get(0);
    }

    private void expect(VmRecord vm, GuestState wanted, String cmdlet) {
        VmRecord now = vm.state().stable().isPresent() ? vm : settled(vm.id());
        GuestState state = now.state().stable().orElseThrow();
        if (state != wanted) {
            throw new HostException(cmdlet + " left VM '" + now.name() + "' on host '" + name + "' " + state + ", not "
                    + wanted);
        }
    }

    /** The VM once it is in a stable state, waiting out transitions up to the command deadline. */
    private VmRecord settled(String ref) {
        requireId(ref);
        long deadline = System.nanoTime() + settings.commandTimeout().toNanos();
        while (true) {
            List<VmRecord> found = parse(powershell.run("reading VM " + ref + " on host '" + name + "'",
                    DESCRIBE + "$vm = Get-VM -Id " + PowerShell.quote(ref) + " -ErrorAction SilentlyContinue\n" + ANSWER,
                    settings.commandTimeout()));
            if (found.isEmpty()) {
                throw new GuestNotFoundException(name, ref);
            }
            VmRecord vm = found.get(0);
            if (vm.state().stable().isPresent()) {
                return vm;
            }
            if (System.nanoTime() > deadline) {
                throw new HostException("VM '" + vm.name() + "' on host '" + name + "' stayed in state "
                        + vm.reportedState() + " for longer than " + settings.commandTimeout(), true, null);
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new HostException("waiting for VM '" + vm.name() + "' was interrupted", true, e);
            }
        }
    }

    /** Hyper-V names VMs by GUID; anything else cannot be a VM of this host, and never reaches a script. */
    private void requireId(String ref) {
        try {
            UUID.fromString(ref);
        } catch (IllegalArgumentException e) {
            throw new GuestNotFoundException(name, ref);
        }
    }

    private JsonNode object(String json) {
        try {
            return JSON.readTree(json.replace("\uFEFF", "").strip());
        } catch (IOException e) {
            throw new HostException("host '" + name + "' answered with JSON that cannot be read: " + e.getMessage(),
                    false, e);
        }
    }

    private List<VmRecord> parse(String json) {
        String text = json.replace("\uFEFF", "").strip();
        if (text.isEmpty()) {
            return List.of();
        }
        try {
            JsonNode root = JSON.readTree(text);
            List<VmRecord> vms = new ArrayList<>();
            for (JsonNode node : root.isArray() ? root : JSON.createArrayNode().add(root)) {
                VmRecord vm = VmRecord.of(node);
                configurationLocations.put(vm.id().toLowerCase(Locale.ROOT), vm.configurationLocation());
                vms.add(vm);
            }
            return vms;
        } catch (IOException | RuntimeException e) {
            throw new HostException("host '" + name + "' answered with JSON that does not describe VMs: "
                    + e.getMessage(), false, e);
        }
    }

    /** One VM as {@code Describe} shapes it. */
    record VmRecord(String id, String name, String reportedState, HyperVState state, boolean critical,
            long memoryBytes, String path, String configurationLocation, List<String> hardDrives, boolean canQuiesce) {

        static VmRecord of(JsonNode node) {
            String reported = text(node, "State");
            HyperVState.Reported state = HyperVState.parse(reported);
            List<String> drives = new ArrayList<>();
            JsonNode hardDrives = node.path("HardDrives");
            if (hardDrives.isArray()) {
                hardDrives.forEach(d -> drives.add(d.asText()));
            } else if (hardDrives.isTextual()) {
                drives.add(hardDrives.asText());
            }
            JsonNode backup = node.path("BackupService");
            boolean canQuiesce = backup.path("Enabled").asBoolean(false)
                    && "OK".equalsIgnoreCase(backup.path("PrimaryStatusDescription").asText(""));
            return new VmRecord(text(node, "Id"), text(node, "Name"), reported, state.state(), state.critical(),
                    node.path("MemoryStartup").asLong(0), text(node, "Path"), text(node, "ConfigurationLocation"),
                    drives, canQuiesce);
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            if (value == null || value.isNull()) {
                throw new IllegalArgumentException("field '" + field + "' is missing");
            }
            return value.asText();
        }

        /** {@code directory} is the VM's folder ({@code Path}); disks may live elsewhere, even on other volumes. */
        GuestInfo info() {
            return new GuestInfo(id, name, state.stable().orElseThrow(), canQuiesce, memoryBytes, GUEST_OS,
                    Path.of(path), hardDrives.stream().map(Path::of).toList());
        }
    }

    /** Brings the guest back to RUNNING from wherever the hold (or anyone since) left it. */
    private final class Hold extends AbstractGuestHold {
        private final String ref;

        Hold(String ref, HoldMode mode, GuestState prior, boolean nothingHeld) {
            super(mode, prior, nothingHeld);
            this.ref = ref;
        }

        @Override
        protected void resume() {
            start(ref);
        }
    }
}
