package io.stillpoint.host;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Settings every kind of host reads the same way, each refused with the key it came under. */
public final class HostSettings {

    private HostSettings() {}

    /** A deadline in whole milliseconds from 1 to a day; {@code defaultValue} when unset. */
    public static Duration millis(Map<String, String> settings, String key, Duration defaultValue) {
        String value = settings.get(key);
        if (value == null || value.isBlank()) {
            return defaultValue;
        }
        try {
            long parsed = Long.parseLong(value.trim());
            if (parsed >= 1 && parsed <= 86_400_000L) {
                return Duration.ofMillis(parsed);
            }
        } catch (NumberFormatException e) {
            // one message below for every bad value
        }
        throw new InvalidHostSettingsException(key, "must be a whole number of milliseconds from 1 to 86400000, got '"
                + value + "'");
    }

    /** The folder {@code value}, made if missing, which this server must be able to write to. */
    public static Path writableFolder(String key, String value) {
        try {
            Path folder = Path.of(value);
            Files.createDirectories(folder);
            if (!Files.isWritable(folder)) {
                throw new InvalidHostSettingsException(key, "directory " + value + " is not writable");
            }
            return folder;
        } catch (InvalidPathException e) {
            throw new InvalidHostSettingsException(key, "not a valid path: " + value);
        } catch (IOException e) {
            throw new InvalidHostSettingsException(key, "cannot create directory " + value + ": " + e.getMessage());
        }
    }
}
