package io.stillpoint.testing.hyperv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for {@code powershell.exe} with the Hyper-V module, as a separate process. It decodes the
 * {@code -EncodedCommand} script, recognises the cmdlets the adapter uses ({@code Get-VM -Id}, {@code
 * Suspend-VM}, {@code Resume-VM}, {@code Save-VM}, {@code Start-VM}, {@code Stop-VM}, {@code
 * Remove-VMSavedState}, {@code Import-VM}), applies them to the VMs kept in {@code <world>/vms/*.properties}
 * with Hyper-V's rules for which state allows what, and answers as the adapter's {@code Describe}
 * function makes real PowerShell answer: a compressed JSON array. Errors go to stderr in PowerShell's
 * layout with exit code 1, as {@code $ErrorActionPreference = 'Stop'} makes the real one exit.
 *
 * <p>One-shot faults, each a file in {@code <world>/faults/}: {@code save-vm-hangs} (Save-VM sleeps before
 * changing anything), {@code save-vm-slow} (Save-VM saves, then sleeps).
 */
public final class StandInPowerShell {

    private static final Pattern ID = Pattern.compile("Get-VM -Id '([^']+)'");
    private static final Pattern CONFIG = Pattern.compile("Join-Path '((?:[^']|'')*)' 'Virtual Machines'");
    private static final Pattern ACTION = Pattern.compile(
            "if \\(\\$vm\\) \\{\\n(.*?)\\n\\$vm = Get-VM", Pattern.DOTALL);

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
            System.out.print(new StandInPowerShell(world).answer(script));
            System.out.flush();
        } catch (CmdletException e) {
            System.err.println(e.getMessage());
            System.exit(1);
        }
    }

    private String answer(String script) throws Exception {
        Path vms = world.resolve("vms");
        Matcher id = ID.matcher(script);
        if (!id.find()) {
            StandInFiles.appendLine(world.resolve("calls.log"), "powershell Get-VM");
            List<Properties> all = new ArrayList<>();
            try (DirectoryStream<Path> files = Files.newDirectoryStream(vms, "*.properties")) {
                for (Path file : files) {
                    all.add(StandInFiles.read(file));
                }
            }
            return json(all);
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
        return json(List.of(StandInFiles.read(file)));
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

    private static String json(List<Properties> vms) {
        List<String> items = new ArrayList<>();
        for (Properties vm : vms) {
            List<String> drives = new ArrayList<>();
            for (String drive : vm.getProperty("HardDrives", "").split("\\|")) {
                if (!drive.isEmpty()) {
                    drives.add(StandInFiles.json(drive));
                }
            }
            String backup = vm.getProperty("BackupStatus") == null ? "null"
                    : "{\"Enabled\":" + vm.getProperty("BackupEnabled") + ",\"PrimaryStatusDescription\":"
                            + StandInFiles.json(vm.getProperty("BackupStatus")) + "}";
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
