package io.stillpoint.host;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Guest names as hypervisors allow them, and the file names derived from them. A name is what an admin
 * calls a VM (Hyper-V takes "web 01" or "Büro (alt)"); it is never used as a path. Where a host keeps a
 * guest's folder or files under its name, it uses {@link #fileName}, which is safe on Linux and Windows
 * alike and cannot leave the folder it is resolved in.
 */
public final class GuestNames {

    /** Hyper-V's limit for a VM name. */
    public static final int MAX_LENGTH = 100;
    /** Leaves room for a suffix such as {@code -disk0.qcow2}, and for a Unix socket path under the name. */
    private static final int MAX_FILE_NAME = 64;
    /** What Windows and Linux both take as a file name, blanks and parentheses as Hyper-V's own folders have them. */
    private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9 ._()-]{0,62}[A-Za-z0-9_()-])?");
    private static final Set<String> WINDOWS_DEVICES = Set.of("CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3",
            "COM4", "COM5", "COM6", "COM7", "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7",
            "LPT8", "LPT9");

    private GuestNames() {}

    /** The rule in words, for messages. */
    public static final String RULE = "1 to " + MAX_LENGTH + " printable characters without '/', '\\', control"
            + " characters or blanks at either end";

    /**
     * @throws InvalidGuestSpecException naming {@code field} if {@code name} is not one a hypervisor takes
     */
    public static void check(String field, String name) {
        if (name == null || name.isEmpty()) {
            throw new InvalidGuestSpecException(field, "is required: " + RULE);
        }
        if (name.codePointCount(0, name.length()) > MAX_LENGTH) {
            throw new InvalidGuestSpecException(field, "is longer than " + MAX_LENGTH + " characters");
        }
        if (!name.strip().equals(name)) {
            throw new InvalidGuestSpecException(field, "must not begin or end with a blank: '" + name + "'");
        }
        for (int i = 0; i < name.length(); ) {
            int c = name.codePointAt(i);
            if (c == '/' || c == '\\') {
                throw new InvalidGuestSpecException(field, "must not contain '/' or '\\': '" + name + "'");
            }
            int type = Character.getType(c);
            if (type == Character.CONTROL || type == Character.FORMAT || type == Character.UNASSIGNED
                    || type == Character.SURROGATE || type == Character.PRIVATE_USE
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR) {
                throw new InvalidGuestSpecException(field, "must not contain control or invisible characters (U+"
                        + String.format("%04X", c) + ")");
            }
            i += Character.charCount(c);
        }
    }

    /**
     * A file or folder name for the guest called {@code name}: the name itself when it is plain (ASCII
     * letters, digits, blanks, '.', '_', '-' and parentheses, starting with a letter or digit, not ending
     * with a blank or '.', up to 64 characters, not a Windows device name such as {@code CON}), otherwise
     * its plain characters followed by a digest of the whole name, so that two names never share a
     * folder. Only ASCII, never {@code .} or {@code ..}, never more than 64 characters.
     */
    public static String fileName(String name) {
        if (PLAIN.matcher(name).matches() && !isWindowsDevice(name)) {
            return name;
        }
        StringBuilder kept = new StringBuilder();
        for (char c : name.toCharArray()) {
            boolean plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == ' ' || c == '.' || c == '_' || c == '-' || c == '(' || c == ')';
            kept.append(plain ? c : '_');
        }
        String stem = kept.toString().replaceAll("^[ ._()-]+", "").replaceAll("[ .]+$", "");
        if (stem.length() > MAX_FILE_NAME - 9) {
            stem = stem.substring(0, MAX_FILE_NAME - 9).stripTrailing();
        }
        return (stem.isEmpty() ? "vm" : stem) + "-" + digest(name);
    }

    private static boolean isWindowsDevice(String name) {
        int dot = name.indexOf('.');
        return WINDOWS_DEVICES.contains((dot < 0 ? name : name.substring(0, dot)).toUpperCase(Locale.ROOT));
    }

    private static String digest(String name) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
