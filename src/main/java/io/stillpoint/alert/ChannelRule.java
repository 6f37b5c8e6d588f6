package io.stillpoint.alert;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Which events a channel takes: those of the listed types (every type when the list is empty) with at least
 * the severity given.
 */
public record ChannelRule(
        List<String> types,
        @Schema(enumeration = {"info", "warning", "critical"}) String minSeverity) {

    public boolean matches(String type, Severity severity) {
        return (types == null || types.isEmpty() || types.contains(type))
                && severity.atLeast(Severity.parse(minSeverity).orElse(Severity.INFO));
    }
}
