package io.stillpoint.testing.hyperv;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Stands in for {@code diskshadow /s <script>}, as a separate process. It runs the script's commands in
 * order, echoing each with {@code -> } as script mode does, and prints the lines diskshadow prints
 * (section 5.3 of the team's notes; the failure block "The last operation failed. / - Returned HRESULT /
 * - Error text" is the layout of real transcripts, the HRESULT names are VSS's own).
 *
 * <p>A shadow copy is the volume's folder hard-linked at {@code create} into {@code
 * <world>/shadows/<id>/}: the stand-in guests only ever replace their files whole, so the links keep the
 * instant of {@code create}. {@code expose} links that copy into the mount folder, which must exist and
 * be empty as on NTFS; {@code unexpose} empties it again.
 *
 * <p>One-shot faults, each a file in {@code <world>/faults/}: {@code writer-missing}, {@code
 * volume-not-supported}, {@code storage-full}, {@code mount-in-use}, {@code end-backup-fails}.
 */
public final class StandInDiskShadow {

    private static final String HYPERV_WRITER = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}";
    private static final Pattern HOLD_RELEASE = Pattern.compile("if exist \"([^\"]+)\" exit /b 0");
    private static final Pattern HOLD_LIMIT = Pattern.compile("if %waited% geq (\\d+) exit /b 1");

    private final Path world;
    private final Map<String, String> aliases = new LinkedHashMap<>();
    private final Map<String, String> volumeOfAlias = new LinkedHashMap<>();
    private String metadata;
    private boolean persistent;

    private StandInDiskShadow(Path world) {
        this.world = world;
    }

    public static void main(String[] args) throws Exception {
        Path world = Path.of(args[0]);
        if (args.length != 3 || !(args[1].equalsIgnoreCase("/s") || args[1].equalsIgnoreCase("-s"))) {
            System.out.println("stand-in diskshadow only runs scripts: diskshadow /s <script>");
            System.exit(1);
        }
        Path script = Path.of(args[2]);
        List<String> lines = Files.readAllLines(script, StandardCharsets.US_ASCII);
        Path copies = world.resolve("scripts");
        Files.createDirectories(copies);
        int n;
        try (DirectoryStream<Path> existing = Files.newDirectoryStream(copies)) {
            n = 0;
            for (Path ignored : existing) {
                n++;
            }
        }
        Files.writeString(copies.resolve(String.format("%03d-%s", n, script.getFileName())),
                String.join("\r\n", lines) + "\r\n");
        System.out.println("Microsoft DiskShadow version 1.0");
        System.out.println("Copyright (C) 2013 Microsoft Corporation");
        System.out.println("On computer:  STANDIN,  "
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("M/d/yyyy h:mm:ss a", Locale.US)));
        System.out.println();
        StandInDiskShadow shell = new StandInDiskShadow(world);
        for (String line : lines) {
            if (line.isBlank()) {
                continue;
            }
            System.out.println("-> " + line);
            System.out.flush();
            StandInFiles.appendLine(world.resolve("calls.log"), "diskshadow " + line);
            if (!shell.run(line.strip())) {
                System.out.flush();
                System.exit(1);
            }
            System.out.flush();
        }
        System.out.println("->");
        System.exit(0);
    }

    private boolean run(String line) throws Exception {
        String[] words = line.split("\\s+");
        String command = (words[0] + (words.length > 1 ? " " + words[1] : "")).toLowerCase(Locale.ROOT);
        switch (command) {
            case "set context" -> persistent = words[2].equalsIgnoreCase("persistent");
            case "set metadata" -> metadata = words[2];
            case "set verbose", "begin backup" -> { }
            case "add volume" -> {
                String volume = words[2];
                if (fault("volume-not-supported") || !volumes().contains(volume)) {
                    return failed("8004230C", "VSS_E_VOLUME_NOT_SUPPORTED");
                }
                volumeOfAlias.put(words[4], volume);
            }
            case "writer verify" -> {
                if (fault("writer-missing") || !words[2].equalsIgnoreCase(HYPERV_WRITER)) {
                    System.out.println("Writer " + words[2] + " is not present on this computer.");
                    return failed("80042308", "VSS_E_OBJECT_NOT_FOUND");
                }
            }
            case "create" -> {
                return create();
            }
            case "end backup" -> {
                if (fault("end-backup-fails")) {
                    return failed("80042302", "VSS_E_UNEXPECTED");
                }
            }
            default -> {
                return other(words);
            }
        }
        return true;
    }

    private boolean other(String[] words) throws Exception {
        switch (words[0].toLowerCase(Locale.ROOT)) {
            case "expose" -> {
                return expose(resolve(words[1]), Path.of(words[2]));
            }
            case "exec" -> {
                return exec(Path.of(words[1]));
            }
            case "unexpose" -> {
                return unexpose(Path.of(words[1]));
            }
            case "delete" -> {
                return delete(words);
            }
            default -> {
                System.out.println("Unknown command: " + String.join(" ", words));
                return failed("80070057", "E_INVALIDARG");
            }
        }
    }

    private boolean create() throws Exception {
        if (fault("storage-full")) {
            return failed("8004231F", "VSS_E_INSUFFICIENT_STORAGE");
        }
        if (!persistent) {
            System.out.println("The stand-in keeps persistent shadow copies only.");
            return failed("80042301", "VSS_E_BAD_STATE");
        }
        System.out.println("Excluding writer \"Shadow Copy Optimization Writer\", because all of its components have been excluded.");
        System.out.println("* Including writer \"Microsoft Hyper-V VSS Writer\":");
        String set = "{" + UUID.randomUUID() + "}";
        for (Map.Entry<String, String> alias : volumeOfAlias.entrySet()) {
            String id = "{" + UUID.randomUUID() + "}";
            Path store = world.resolve("shadows").resolve(id);
            StandInFiles.linkTree(Path.of(alias.getValue()), store);
            Properties shadow = new Properties();
            shadow.setProperty("volume", alias.getValue());
            shadow.setProperty("set", set);
            StandInFiles.write(world.resolve("shadows").resolve(id + ".properties"), shadow, world.resolve("tmp"));
            aliases.put(alias.getKey(), id);
            System.out.println("Alias " + alias.getKey() + " for shadow ID " + id + " set as environment variable.");
        }
        aliases.put("VSS_SHADOW_SET", set);
        System.out.println("Alias VSS_SHADOW_SET for shadow set ID " + set + " set as environment variable.");
        if (metadata != null) {
            String cab = Path.of(metadata).getFileName().toString();
            Files.writeString(Path.of(metadata), "MSCF stand-in metadata: Manifest.xml BCDocument.xml WM0.xml\n");
            System.out.println("Inserted file Manifest.xml into .cab file " + cab);
            System.out.println("Inserted file BCDocument.xml into .cab file " + cab);
        }
        System.out.println();
        System.out.println("Querying all shadow copies with the shadow copy set ID " + set);
        System.out.println();
        System.out.println("Number of shadow copies listed: " + volumeOfAlias.size());
        return true;
    }

    private boolean expose(String id, Path mount) throws IOException {
        if (id == null) {
            return failed("80042308", "VSS_E_OBJECT_NOT_FOUND");
        }
        if (fault("mount-in-use") || !Files.isDirectory(mount) || !isEmpty(mount)) {
            return failed("80070091", "The directory is not empty.");
        }
        StandInFiles.linkTree(world.resolve("shadows").resolve(id), mount);
        Path record = world.resolve("shadows").resolve(id + ".properties");
        Properties shadow = StandInFiles.read(record);
        shadow.setProperty("exposedAt", mount.toString());
        StandInFiles.write(record, shadow, world.resolve("tmp"));
        System.out.println("The shadow copy was successfully exposed as " + mount + mount.getFileSystem().getSeparator() + ".");
        return true;
    }

    /** Runs the adapter's hold script the only way this stand-in can: by its release file and its limit. */
    private boolean exec(Path file) throws Exception {
        String text = Files.readString(file);
        Matcher release = HOLD_RELEASE.matcher(text);
        Matcher limit = HOLD_LIMIT.matcher(text);
        if (!release.find() || !limit.find()) {
            System.out.println("The stand-in only runs Stillpoint's hold script.");
            return failed("80070057", "E_INVALIDARG");
        }
        long deadline = System.nanoTime() + Long.parseLong(limit.group(1)) * 1_000_000_000L;
        while (!Files.exists(Path.of(release.group(1)))) {
            if (System.nanoTime() > deadline) {
                System.out.println("The script " + file + " returned an error: 1.");
                return false;
            }
            Thread.sleep(20);
        }
        return true;
    }

    private boolean unexpose(Path mount) throws IOException {
        for (Map.Entry<String, Properties> shadow : shadows().entrySet()) {
            if (mount.toString().equals(shadow.getValue().getProperty("exposedAt"))) {
                StandInFiles.empty(mount);
                shadow.getValue().remove("exposedAt");
                StandInFiles.write(world.resolve("shadows").resolve(shadow.getKey() + ".properties"), shadow.getValue(),
                        world.resolve("tmp"));
                System.out.println("Shadow copy ID " + shadow.getKey() + " is no longer exposed.");
                return true;
            }
        }
        return failed("80042308", "VSS_E_OBJECT_NOT_FOUND");
    }

    private boolean delete(String[] words) throws IOException {
        String how = words[2].toLowerCase(Locale.ROOT);
        String what = how.equals("exposed") ? words[3] : resolve(words[3]);
        int deleted = 0;
        for (Map.Entry<String, Properties> shadow : shadows().entrySet()) {
            Properties p = shadow.getValue();
            boolean match = switch (how) {
                case "set" -> p.getProperty("set").equals(what);
                case "id" -> shadow.getKey().equals(what);
                case "exposed" -> what.equals(p.getProperty("exposedAt"));
                default -> false;
            };
            if (match) {
                if (p.getProperty("exposedAt") != null) {
                    StandInFiles.empty(Path.of(p.getProperty("exposedAt")));
                }
                StandInFiles.deleteTree(world.resolve("shadows").resolve(shadow.getKey()));
                Files.delete(world.resolve("shadows").resolve(shadow.getKey() + ".properties"));
                deleted++;
            }
        }
        System.out.println("Number of shadow copies deleted: " + deleted);
        return true;
    }

    /** An alias in {@code %A%} form is echoed with its value, as diskshadow does before using it. */
    private String resolve(String word) {
        if (word.startsWith("%") && word.endsWith("%")) {
            String value = aliases.get(word.substring(1, word.length() - 1));
            System.out.println("-> " + word + " = " + value);
            return value;
        }
        return word;
    }

    private Map<String, Properties> shadows() throws IOException {
        Map<String, Properties> all = new LinkedHashMap<>();
        Path dir = world.resolve("shadows");
        if (Files.isDirectory(dir)) {
            try (DirectoryStream<Path> records = Files.newDirectoryStream(dir, "*.properties")) {
                for (Path record : records) {
                    String name = record.getFileName().toString();
                    all.put(name.substring(0, name.length() - ".properties".length()), StandInFiles.read(record));
                }
            }
        }
        return all;
    }

    private List<String> volumes() throws IOException {
        return Files.readAllLines(world.resolve("volumes.txt")).stream().map(String::strip).filter(s -> !s.isEmpty())
                .toList();
    }

    private boolean fault(String name) throws IOException {
        return Files.deleteIfExists(world.resolve("faults").resolve(name));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (var entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        }
    }

    private static boolean failed(String hresult, String text) {
        System.out.println();
        System.out.println("The last operation failed.");
        System.out.println("\t- Returned HRESULT: " + hresult);
        System.out.println("\t- Error text: " + text);
        return false;
    }
}
