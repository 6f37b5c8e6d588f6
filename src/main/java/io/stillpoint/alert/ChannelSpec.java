package io.stillpoint.alert;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A channel as an admin asks for it (the body of {@code POST} and {@code PUT /api/notifications/channels}).
 *
 * @param type {@code email} or {@code webhook}; it cannot change once the channel exists
 * @param enabled default true
 * @param email for an e-mail channel: the SMTP server, its security and credentials, sender and recipients
 * @param webhook for a webhook: its address ({@code http} or {@code https})
 * @param rules which events the channel takes; default: every type, severity warning and above
 */
public record ChannelSpec(
        String name,
        @Schema(enumeration = {NotificationChannel.EMAIL, NotificationChannel.WEBHOOK}) String type,
        Boolean enabled,
        Email email,
        Webhook webhook,
        List<Rule> rules) {

    /**
     * @param port default 587 for {@code starttls}, 465 for {@code tls}, 25 for {@code none}
     * @param security {@code starttls} (default), {@code tls} or {@code none}
     * @param password with {@code username}; left out of a {@code PUT}, the one stored stays
     * @param trustedCertificate a PEM certificate to trust instead of the system's authorities
     */
    public record Email(
            String host,
            Integer port,
            @Schema(enumeration = {EmailSender.STARTTLS, EmailSender.TLS, EmailSender.NONE}) String security,
            @Schema(nullable = true) String username,
            String password,
            String from,
            List<String> to,
            @Schema(nullable = true) String trustedCertificate) {}

    public record Webhook(String url) {}

    /**
     * @param types event types (see {@code GET /api/notifications/event-types}); empty or left out: every type
     * @param minSeverity {@code info}, {@code warning} (default) or {@code critical}
     */
    public record Rule(
            List<String> types,
            @Schema(enumeration = {"info", "warning", "critical"}) String minSeverity) {}
}
