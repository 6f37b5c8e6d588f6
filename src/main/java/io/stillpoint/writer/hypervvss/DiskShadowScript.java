package io.stillpoint.writer.hypervvss;

import java.time.Duration;
import java.util.List;

/**
 * The diskshadow script of one snapshot, in one session so that {@code end backup} reaches the writers
 * that {@code begin backup} addressed: the first phase creates and exposes the shadow copies, then
 * {@code exec} runs a hold script that waits until Stillpoint has copied the files, and the second phase
 * unexposes them, ends the backup (BackupComplete to the Hyper-V VSS writer) and deletes them.
 */
final class DiskShadowScript {

    static final String HYPERV_WRITER_ID = "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}";

    /** One volume of the snapshot: its diskshadow name, its alias and the folder it is exposed at. */
    record Shadow(String volume, String alias, String mountFolder) {}

    private DiskShadowScript() {}

    static String render(String metadataCab, List<Shadow> shadows, String holdScript) {
        StringBuilder script = new StringBuilder();
        line(script, "set context persistent");
        line(script, "set metadata " + checked(metadataCab));
        line(script, "set verbose on");
        line(script, "begin backup");
        for (Shadow shadow : shadows) {
            line(script, "add volume " + checked(shadow.volume()) + " alias " + shadow.alias());
        }
        line(script, "writer verify " + HYPERV_WRITER_ID);
        line(script, "create");
        for (Shadow shadow : shadows) {
            line(script, "expose %" + shadow.alias() + "% " + checked(shadow.mountFolder()));
        }
        line(script, "exec " + checked(holdScript));
        for (Shadow shadow : shadows) {
            line(script, "unexpose " + checked(shadow.mountFolder()));
        }
        line(script, "end backup");
        line(script, "delete shadows set %VSS_SHADOW_SET%");
        return script.toString();
    }

    /** Deletes shadow copies left by a session that did not reach its own end. */
    static String cleanup(List<String> shadowIds, List<String> exposedAt) {
        StringBuilder script = new StringBuilder();
        for (String id : shadowIds) {
            line(script, "delete shadows id " + id);
        }
        for (String folder : exposedAt) {
            line(script, "delete shadows exposed " + checked(folder));
        }
        return script.toString();
    }

    /**
     * Waits for the release file. {@code ping} is the wait because {@code timeout.exe} refuses to run
     * with redirected input, as it is under diskshadow; past {@code maxExposure} it fails, and diskshadow
     * quits without ending the backup. It is named by its full path: cmd.exe looks for a bare command in
     * the current folder first, which need not be one only administrators can write.
     */
    static String holdScript(String releaseFile, Duration maxExposure) {
        return "@echo off\r\n"
                + "rem Keeps this diskshadow session open until Stillpoint has copied the exposed shadow copies.\r\n"
                + "set waited=0\r\n"
                + ":wait\r\n"
                + "if exist \"" + releaseFile + "\" exit /b 0\r\n"
                + "if %waited% geq " + maxExposure.toSeconds() + " exit /b 1\r\n"
                + "\"%SystemRoot%\\System32\\ping.exe\" -n 2 127.0.0.1 >nul\r\n"
                + "set /a waited+=1\r\n"
                + "goto wait\r\n";
    }

    /** diskshadow splits its commands at blanks and has no documented quoting, so a blank would cut a path. */
    private static String checked(String path) {
        if (path.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("diskshadow cannot take the path '" + path
                    + "' because it contains a blank; choose a Stillpoint home and mount root without blanks");
        }
        return path;
    }

    private static void line(StringBuilder script, String line) {
        script.append(line).append("\r\n");
    }
}
