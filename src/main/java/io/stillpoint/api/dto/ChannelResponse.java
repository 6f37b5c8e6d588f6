package io.stillpoint.api.dto;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.stillpoint.alert.ChannelRule;
import io.stillpoint.alert.ChannelSettings;
import io.stillpoint.alert.NotificationChannel;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A channel as admins see it: everything but its secret, of which only whether it is set.
 *
 * @param secret the webhook's signing secret, only in the answer that created or rotated it
 * @param lastAttempt the newest attempt to send to it, or null before the first
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"id", "name", "type", "enabled", "secretSet", "rules", "createdAt", "updatedAt"})
public record ChannelResponse(
        UUID id,
        String name,
        @Schema(enumeration = {NotificationChannel.EMAIL, NotificationChannel.WEBHOOK}) String type,
        boolean enabled,
        ChannelSettings email,
        ChannelSettings webhook,
        boolean secretSet,
        List<ChannelRule> rules,
        Instant createdAt,
        Instant updatedAt,
        AttemptResponse lastAttempt,
        String secret) {

    public static ChannelResponse of(NotificationChannel channel, AttemptResponse lastAttempt, String newSecret) {
        boolean email = NotificationChannel.EMAIL.equals(channel.type);
        return new ChannelResponse(channel.id, channel.name, channel.type, channel.enabled, email ? channel.settings : null,
                email ? null : channel.settings, channel.secret != null, channel.rules, channel.createdAt,
                channel.updatedAt, lastAttempt, newSecret);
    }
}
