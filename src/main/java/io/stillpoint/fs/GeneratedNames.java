package io.stillpoint.fs;

import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The names Stillpoint gives what it creates inside its own folders: a UUID, optionally followed by one
 * of a few fixed suffixes. Nothing of another name is ever deleted by {@link OwnedFolder}.
 */
public final class GeneratedNames {

    /** A restore point being written. */
    public static final String PARTIAL = ".partial";

    private static final List<String> SUFFIXES = List.of("", PARTIAL);
    private static final Pattern UUID_TEXT =
            Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");

    private GeneratedNames() {}

    public static boolean isGenerated(String name) {
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && isUuid(name.substring(0, name.length() - suffix.length()))) {
                return true;
            }
        }
        return false;
    }

    /** A UUID in the canonical lower-case form {@link UUID#toString()} writes, and nothing else. */
    public static boolean isUuid(String text) {
        return UUID_TEXT.matcher(text).matches();
    }
}
