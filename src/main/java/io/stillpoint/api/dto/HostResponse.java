package io.stillpoint.api.dto;

import io.stillpoint.catalog.Host;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

public record HostResponse(UUID id, String name, String type, Map<String, String> settings, Instant createdAt) {

    public static HostResponse of(Host host) {
        return new HostResponse(host.id, host.name, host.type, host.settings, host.createdAt);
    }
}
