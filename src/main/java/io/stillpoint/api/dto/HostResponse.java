package io.stillpoint.api.dto;

import io.stillpoint.catalog.Host;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A host as the catalog has it.
 *
 * @param settings as stored; for a caller who may not see secrets, each setting whose name or value
 *     looks like a credential reads {@value #REDACTED}
 * @param lastRefreshError why the last listing of the host's guests failed; {@code null} when it worked
 */
public record HostResponse(
        UUID id,
        String name,
        String type,
        Map<String, String> settings,
        Instant createdAt,
        @Schema(nullable = true) Instant lastRefreshAt,
        @Schema(nullable = true) String lastRefreshError) {

    public static final String REDACTED = "(hidden)";

    /** Names such as {@code remotePassword}, and values that carry a credential (a password pasted into a command). */
    private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|passwd|secret|credential|token|passphrase).*");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "(?i).*(password|passwd|credential|securestring|secret|token|passphrase).*", Pattern.DOTALL);

    /** @param showSecrets whether the caller may see credentials (admins, who set them) */
    public static HostResponse of(Host host, boolean showSecrets) {
        Map<String, String> settings = new LinkedHashMap<>();
        host.settings.forEach((key, value) -> settings.put(key,
                showSecrets || !looksSecret(key, value) ? value : REDACTED));
        return new HostResponse(host.id, host.name, host.type, settings, host.createdAt, host.lastRefreshAt,
                host.lastRefreshError);
    }

    static boolean looksSecret(String key, String value) {
        return SECRET_NAME.matcher(key).matches() || (value != null && SECRET_VALUE.matcher(value).matches());
    }
}
