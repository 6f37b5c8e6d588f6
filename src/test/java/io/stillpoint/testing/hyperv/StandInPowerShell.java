package io.stillpoint.testing.hyperv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for {@code powershell.exe} with the Hyper-V module, as a separate process. It decodes the
 * {@code -EncodedCommand} script, recognises the cmdlets the adapter uses ({@code Get-VM -Id}, {@code
 * Suspend-VM}, {@code Resume-VM}, {@code Save-VM}, {@code Start-VM}, {@code Stop-VM}, {@code
 * Remove-VMSavedState}, {@code Import-VM} in place and as a copy, {@code Rename-VM}, {@code Get-VMHost}), applies them to the VMs kept in {@code <world>/vms/*.properties}
 * with Hyper-V's rules for which state allows what, and answers as the adapter's {@code Describe}
 * function makes real PowerShell answer: a compressed JSON array. Errors go to stderr in PowerShell's
 * layout with exit code 1, as {@code $ErrorActionPreference = 'Stop'} makes the real one exit.
 *
 * <p>One-shot faults, each a file in {@code <world>/faults/}: {@code save-vm-hangs} (Save-VM sleeps before
 * changing anything), {@code save-vm-slow} (Save-VM saves, then sleeps), {@code host-unreachable} (the
 * next call fails as PowerShell remoting does when the host does not answer, before any cmdlet runs).
 */
public final class StandInPowerShell {

    private static final Pattern ID = Pattern.compile("Get-VM -Id '([^']+)'");
    private static final Pattern CONFIG = Pattern.compile("Join-Path '((?:[^']|'')*)' 'Virtual Machines'");
    private static final Pattern ACTION = Pattern.compile(
            "if \\(\\$vm\\) \\{\\n(.*?)\\n\\$vm = Get-VM", Pattern.DOTALL);
    private static final Pattern NATIVE = Pattern.compile("& '((?:[^']|'')*)' /s '((?:[^']|'')*)' 2>&1");
    private static final Pattern REMOTE = Pattern.compile("\\n(Invoke-Command [^\\n]*) -ScriptBlock \\{\\n");
    private static final Pattern SERVICE_ID_RULE = Pattern.compile("\\$_\\.Id -like '\\*\\\\([0-9A-Fa-f-]+)'");
    private static final Pattern SERVICE_NAME_RULE = Pattern.compile("\\$_\\.Name -eq '((?:[^']|'')*)'");
    private static final String HEARTBEAT_ID = "84EAAE65-2F2E-45F5-9BB5-0E857DC8EB47";
    private static final Pattern NAME_EQUALS = Pattern.compile("\\$_\\.Name -eq '((?:[^']|'')*)'");
    private static final Pattern VM_FOLDER = Pattern.compile("Join-Path \\(Get-VMHost\\)\\.VirtualMachinePath '((?:[^']|'')*)'");
    private static final Pattern IMPORT_COPY = Pattern.compile("\\$vm = Import-VM -Path '((?:[^']|'')*)' -Copy(.*)");
    private static final Pattern RENAME = Pattern.compile("Rename-VM -VM \\$vm -NewName '((?:[^']|'')*)'");

    private final Path world;

    private StandInPowerShell(Path world) {
        this.world = world;
    }

    public static void main(String[] args) throws Exception {
        Path world = Path.of(args[0]);
        String script = null;
        for (int i = 1; i < args.length - 1; i++) {
            if (args[i].equalsIgnoreCase("-EncodedCommand")) {
                script = new String(Base64.getDecoder().decode(args[i + 1]), StandardCharsets.UTF_16LE);
            }
        }
        if (script == null) {
            System.err.println("stand-in powershell: expected -EncodedCommand");
            System.exit(64);
        }
        try {
            if (new StandInPowerShell(world).fault("host-unreachable")) {
                throw new CmdletException("[HV01] Connecting to remote server HV01 failed with the following error"
                        + " message : WinRM cannot complete the operation. + FullyQualifiedErrorId :"
                        + " WinRMOperationTimeout,PSSessionStateBroken");
            }
            Matcher diskshadow = NATIVE.matcher(script);
            if (diskshadow.find()) {
                System.exit(new StandInPowerShell(world).diskshadow(unquote(diskshadow.group(1)),
                        unquote(diskshadow.group(2)), script));
            }
            System.out.print(new StandInPowerShell(world).answer(script));
            System.out.flush();
        } catch (CmdletException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    private String answer(String script) throws Exception {
        Path vms = world.resolve("vms");
        if (script.contains("(Get-VMHost).VirtualMachinePath")) {
            return newVmFolder(script);
        }
        Matcher importCopy = IMPORT_COPY.matcher(script);
        if (importCopy.find()) {
            return importCopy(unquote(importCopy.group(1)), importCopy.group(2), script);
        }
        Matcher id = ID.matcher(script);
        if (!id.find()) {
            StandInFiles.appendLine(world.resolve("calls.log"), "powershell Get-VM");
            return json(all(), script);
        }
        String ref = id.group(1);
        Path file = vms.resolve(ref + ".properties");
        Matcher action = ACTION.matcher(script);
        String cmdlets = action.find() ? action.group(1) : "";
        if (!Files.exists(file) && script.contains("Import-VM")) {
            Matcher config = CONFIG.matcher(script);
            if (config.find()) {
                importVm(config.group(1).replace("''", "'"), ref, file);
            }
        }
        if (!Files.exists(file)) {
            StandInFiles.appendLine(world.resolve("calls.log"), "powershell Get-VM -Id " + ref + " (not found)");
            return "[]";
        }
        for (String cmdlet : cmdlets.lines().map(String::strip).filter(l -> !l.isEmpty()).toList()) {
            String name = cmdlet.split(" ")[0];
            StandInFiles.appendLine(world.resolve("calls.log"), "powershell " + name + " " + ref);
            apply(name, cmdlet, file);
        }
        return json(List.of(StandInFiles.read(file)), script);
    }

    private void apply(String cmdlet, String line, Path file) throws Exception {
        Properties vm = StandInFiles.read(file);
        String state = vm.getProperty("State");
        switch (cmdlet) {
            case "Suspend-VM" -> {
                require(cmdlet, vm, state.equals("Running"));
                set(file, vm, "Paused");
            }
            case "Resume-VM" -> {
                require(cmdlet, vm, state.equals("Paused"));
                set(file, vm, "Running");
            }
            case "Save-VM" -> {
                require(cmdlet, vm, state.equals("Running") || state.equals("Paused"));
                if (fault("save-vm-hangs")) {
                    Thread.sleep(60_000);
                }
                Files.write(savedState(vm), new byte[4096]);
                set(file, vm, "Saved");
                if (fault("save-vm-slow")) {
                    Thread.sleep(60_000);
                }
            }
            case "Start-VM" -> {
                require(cmdlet, vm, state.equals("Off") || state.equals("Saved"));
                Files.deleteIfExists(savedState(vm));
                set(file, vm, "Running");
            }
            case "Stop-VM" -> {
                require(cmdlet, vm, state.equals("Running") || (line.contains("-TurnOff") && !state.equals("Off")));
                Files.deleteIfExists(savedState(vm));
                set(file, vm, "Off");
            }
            case "Remove-VMSavedState" -> {
                require(cmdlet, vm, state.equals("Saved"));
                Files.deleteIfExists(savedState(vm));
                set(file, vm, "Off");
            }
            default -> throw new CmdletException(cmdlet + " : The term '" + cmdlet
                    + "' is not recognized as the name of a cmdlet, function, script file, or operable program.");
        }
    }

    /** Registers the VM described by its configuration file, in place and with its own id. */
    private void importVm(String location, String ref, Path file) throws Exception {
        StandInFiles.appendLine(world.resolve("calls.log"), "powershell Import-VM " + ref);
        Path config = Path.of(location, "Virtual Machines", ref + ".vmcx");
        if (!Files.exists(config)) {
            throw new CmdletException("Import-VM : Failed to import a virtual machine: the file '" + config
                    + "' does not exist.");
        }
        Properties vm = StandInFiles.read(config);
        vm.setProperty("State", Files.exists(savedState(vm)) ? "Saved" : "Off");
        StandInFiles.write(file, vm, world.resolve("tmp"));
    }

    /**
     * Runs a native program as the script says, its output streamed through as PowerShell passes a
     * native program's lines on, then the line the script prints after it with {@code $LASTEXITCODE}.
     * Through a remote prefix the exit code of this process is PowerShell's own, 0.
     */
    private int diskshadow(String executable, String scriptFile, String script) throws Exception {
        Matcher prefix = REMOTE.matcher(script);
        boolean remote = prefix.find();
        StandInFiles.appendLine(world.resolve("calls.log"), "powershell " + (remote ? prefix.group(1) + " " : "")
                + "diskshadow /s " + scriptFile);
        Process process = new ProcessBuilder(executable, "/s", scriptFile)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .start();
        process.getOutputStream().close();
        int exit = process.waitFor();
        Matcher marker = Pattern.compile("\"([^\"]*)\\$LASTEXITCODE\"").matcher(script);
        if (marker.find()) {
            System.out.println(marker.group(1) + exit);
        }
        System.out.flush();
        return remote ? 0 : exit;
    }

    /** The host's default folder for a new VM, and whether the name or the folder is taken already. */
    private String newVmFolder(String script) throws IOException {
        Matcher name = NAME_EQUALS.matcher(script);
        Matcher folder = VM_FOLDER.matcher(script);
        if (!name.find() || !folder.find()) {
            throw new CmdletException("stand-in powershell: expected a VM name to look for and a folder to join");
        }
        String wanted = unquote(name.group(1));
        Path home = virtualMachinePath().resolve(unquote(folder.group(1)));
        boolean taken = false;
        for (Properties vm : all()) {
            // PowerShell's -eq compares strings ignoring case.
            taken |= vm.getProperty("Name").equalsIgnoreCase(wanted);
        }
        StandInFiles.appendLine(world.resolve("calls.log"), "powershell Get-VMHost");
        return "{\"Home\":" + StandInFiles.json(home.toString()) + ",\"NameTaken\":" + taken + ",\"HomeExists\":"
                + Files.exists(home) + "}\n";
    }

    /**
     * {@code Import-VM -Copy}: copies the configuration into {@code -VirtualMachinePath} and every disk it
     * names into {@code -VhdDestinationPath} (from {@code -VhdSourcePath} when given, else from the path
     * the configuration names), with a new id under {@code -GenerateNewId}, and registers the copy. It
     * refuses to overwrite a disk and to register an id Hyper-V holds already. Then the script's {@code
     * Rename-VM}. The error texts are modelled on Hyper-V's, not copied from a real host.
     */
    private String importCopy(String configPath, String parameters, String script) throws Exception {
        Path config = Path.of(configPath);
        if (!Files.isRegularFile(config)) {
            throw new CmdletException("Import-VM : Cannot find path '" + config + "' because it does not exist.\n"
                    + "    + CategoryInfo          : ObjectNotFound: (" + config + ":String) [Import-VM], ItemNotFoundException");
        }
        Properties source;
        try {
            source = StandInFiles.read(config);
        } catch (RuntimeException e) {
            source = new Properties();
        }
        if (source.getProperty("Id") == null || source.getProperty("Name") == null) {
            throw new CmdletException("Import-VM : Unable to import virtual machine due to configuration errors.  "
                    + "Please use Compare-VM to repair the virtual machine.\n"
                    + "    + CategoryInfo          : InvalidOperation: (:) [Import-VM], VirtualizationException");
        }
        Path machines = Path.of(parameter(parameters, "VirtualMachinePath"));
        Path vhdDestination = Path.of(parameter(parameters, "VhdDestinationPath"));
        String vhdSource = parameters.contains("-VhdSourcePath") ? parameter(parameters, "VhdSourcePath") : null;
        String id = parameters.contains("-GenerateNewId") ? UUID.randomUUID().toString() : source.getProperty("Id");
        Path registration = world.resolve("vms").resolve(id + ".properties");
        if (Files.exists(registration)) {
            throw new CmdletException("Import-VM : Failed to import a virtual machine. A virtual machine with the "
                    + "identifier " + id + " already exists.\n"
                    + "    + CategoryInfo          : InvalidOperation: (:) [Import-VM], VirtualizationException");
        }
        List<String> drives = new ArrayList<>();
        for (String drive : source.getProperty("HardDrives", "").split("\\|")) {
            if (drive.isEmpty()) {
                continue;
            }
            String file = Path.of(drive).getFileName().toString();
            Path from = vhdSource != null ? Path.of(vhdSource, file) : Path.of(drive);
            Path to = vhdDestination.resolve(file);
            if (!Files.exists(from)) {
                throw new CmdletException("Import-VM : Failed to import a virtual machine. The virtual hard disk '"
                        + from + "' was not found.");
            }
            if (Files.exists(to)) {
                throw new CmdletException("Import-VM : Failed to copy the virtual hard disk '" + from + "' to '" + to
                        + "': The file exists.");
            }
            Files.createDirectories(vhdDestination);
            Files.copy(from, to);
            drives.add(to.toString());
        }
        Path savedState = config.resolveSibling(source.getProperty("Id") + ".vmrs");
        Properties copy = new Properties();
        copy.putAll(source);
        copy.setProperty("Id", id);
        copy.setProperty("Path", machines.toString());
        copy.setProperty("ConfigurationLocation", machines.toString());
        copy.setProperty("HardDrives", String.join("|", drives));
        Path copiedConfig = Files.createDirectories(machines.resolve("Virtual Machines")).resolve(id + ".vmcx");
        StandInFiles.write(copiedConfig, copy, world.resolve("tmp"));
        if (Files.exists(savedState)) {
            Files.copy(savedState, copiedConfig.resolveSibling(id + ".vmrs"));
        }
        copy.setProperty("State", Files.exists(savedState) ? "Saved" : "Off");
        StandInFiles.appendLine(world.resolve("calls.log"), "powershell Import-VM -Copy " + id);
        Matcher rename = RENAME.matcher(script);
        if (rename.find()) {
            copy.setProperty("Name", unquote(rename.group(1)));
            StandInFiles.appendLine(world.resolve("calls.log"), "powershell Rename-VM " + id);
        }
        StandInFiles.write(registration, copy, world.resolve("tmp"));
        return json(List.of(copy), script);
    }

    private static String parameter(String parameters, String name) {
        Matcher m = Pattern.compile("-" + name + " '((?:[^']|'')*)'").matcher(parameters);
        if (!m.find()) {
            throw new CmdletException("stand-in powershell: Import-VM without -" + name);
        }
        return unquote(m.group(1));
    }

    private static String unquote(String quoted) {
        return quoted.replace("''", "'");
    }

    private List<Properties> all() throws IOException {
        List<Properties> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(world.resolve("vms"), "*.properties")) {
            for (Path file : files) {
                all.add(StandInFiles.read(file));
            }
        }
        return all;
    }

    private Path virtualMachinePath() throws IOException {
        return Path.of(Files.readString(world.resolve("virtual-machine-path.txt")).strip());
    }

    private static Path savedState(Properties vm) {
        return Path.of(vm.getProperty("ConfigurationLocation"), "Virtual Machines", vm.getProperty("Id") + ".vmrs");
    }

    private void set(Path file, Properties vm, String state) {
        vm.setProperty("State", state);
        StandInFiles.write(file, vm, world.resolve("tmp"));
    }

    private static void require(String cmdlet, Properties vm, boolean allowed) {
        if (!allowed) {
            throw new CmdletException(cmdlet + " : '" + vm.getProperty("Name") + "' failed to change state.\n"
                    + "The operation cannot be performed while the object is in its current state.\n"
                    + "    + CategoryInfo          : InvalidOperation: (:) [" + cmdlet + "], VirtualizationException\n"
                    + "    + FullyQualifiedErrorId : InvalidState," + "Microsoft.HyperV.PowerShell.Commands."
                    + cmdlet.replace("-", "") + "Command");
        }
    }

    private boolean fault(String name) throws IOException {
        return Files.deleteIfExists(world.resolve("faults").resolve(name));
    }

    /**
     * The integration services of a VM as {@code Get-VMIntegrationService} lists them: the heartbeat and,
     * where the VM has it, the backup service, whose name may be localized ({@code BackupServiceName})
     * while its id ({@code Microsoft:<VM id>\\<GUID>}) is not. {@code Describe} picks by id first, then
     * by name, and so does this.
     */
    private static String backupService(Properties vm, String script) {
        if (vm.getProperty("BackupStatus") == null) {
            return "null";
        }
        String vmId = vm.getProperty("Id").toUpperCase(Locale.ROOT);
        List<String[]> services = List.of(
                new String[] {"Heartbeat", "Microsoft:" + vmId + "\\" + HEARTBEAT_ID, "true", "OK"},
                new String[] {vm.getProperty("BackupServiceName", "Backup (volume shadow copy)"),
                        "Microsoft:" + vmId + "\\" + vm.getProperty("BackupServiceGuid"),
                        vm.getProperty("BackupEnabled"), vm.getProperty("BackupStatus")});
        String[] picked = null;
        Matcher ids = SERVICE_ID_RULE.matcher(script);
        while (picked == null && ids.find()) {
            for (String[] service : services) {
                if (picked == null && service[1].toUpperCase(Locale.ROOT)
                        .endsWith("\\" + ids.group(1).toUpperCase(Locale.ROOT))) {
                    picked = service;
                }
            }
        }
        Matcher names = SERVICE_NAME_RULE.matcher(script);
        while (picked == null && names.find()) {
            for (String[] service : services) {
                if (picked == null && service[0].equalsIgnoreCase(unquote(names.group(1)))) {
                    picked = service;
                }
            }
        }
        return picked == null ? "null"
                : "{\"Enabled\":" + picked[2] + ",\"PrimaryStatusDescription\":" + StandInFiles.json(picked[3]) + "}";
    }

    private static String json(List<Properties> vms, String script) {
        List<String> items = new ArrayList<>();
        for (Properties vm : vms) {
            List<String> drives = new ArrayList<>();
            for (String drive : vm.getProperty("HardDrives", "").split("\\|")) {
                if (!drive.isEmpty()) {
                    drives.add(StandInFiles.json(drive));
                }
            }
            String backup = backupService(vm, script);
            items.add("{\"Name\":" + StandInFiles.json(vm.getProperty("Name"))
                    + ",\"Id\":" + StandInFiles.json(vm.getProperty("Id"))
                    + ",\"State\":" + StandInFiles.json(vm.getProperty("State"))
                    + ",\"MemoryStartup\":" + vm.getProperty("MemoryStartup")
                    + ",\"Path\":" + StandInFiles.json(vm.getProperty("Path"))
                    + ",\"ConfigurationLocation\":" + StandInFiles.json(vm.getProperty("ConfigurationLocation"))
                    + ",\"HardDrives\":[" + String.join(",", drives) + "]"
                    + ",\"BackupService\":" + backup + "}");
        }
        return "[" + String.join(",", items) + "]\n";
    }

    private static final class CmdletException extends RuntimeException {
        CmdletException(String message) {
            super(message);
        }
    }
}
