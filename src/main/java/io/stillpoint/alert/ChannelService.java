package io.stillpoint.alert;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.inventory.InvalidRequestException;
import io.stillpoint.inventory.NotFoundException;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Creates, changes and removes channels, validating everything first: a bad value is refused naming its
 * field and nothing changes. A webhook's secret is made here and shown once, by the answer that creates (or
 * rotates) it; an SMTP password is kept as given. Neither is ever read back by the API.
 */
@ApplicationScoped
public class ChannelService {

    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,252})|\\[[0-9A-Fa-f:.]{2,45}]");
    private static final Pattern ADDRESS = Pattern.compile("[^\\s@<>()\",;:\\\\\\[\\]]{1,64}@[A-Za-z0-9]([A-Za-z0-9.-]{0,252})");
    private static final int MAX_NAME = 100;
    private static final int MAX_URL = 2000;
    private static final int MAX_RECIPIENTS = 50;

    /** A channel as saved, and the secret to show once when this call made one. */
    public record Saved(NotificationChannel channel, String newSecret) {}

    public Saved create(ChannelSpec spec) {
        Valid valid = validate(spec, null);
        return QuarkusTransaction.requiringNew().call(() -> {
            if (NotificationChannel.byName(valid.name()).isPresent()) {
                throw new InvalidRequestException("name", "a channel named '" + valid.name() + "' exists already");
            }
            NotificationChannel channel = new NotificationChannel();
            channel.id = UUID.randomUUID();
            channel.type = valid.type();
            channel.createdAt = Instant.now();
            String secret = NotificationChannel.WEBHOOK.equals(valid.type()) ? WebhookSignature.newSecret() : valid.password();
            apply(channel, valid);
            channel.secret = secret;
            channel.persist();
            return new Saved(channel, NotificationChannel.WEBHOOK.equals(valid.type()) ? secret : null);
        });
    }

    /** Changes a channel; a password left out keeps the one stored, a webhook keeps its secret. */
    public NotificationChannel update(UUID id, ChannelSpec spec) {
        NotificationChannel existing = QuarkusTransaction.requiringNew().call(() -> find(id));
        Valid valid = validate(spec, existing);
        return QuarkusTransaction.requiringNew().call(() -> {
            NotificationChannel channel = find(id);
            NotificationChannel.byName(valid.name()).filter(other -> !other.id.equals(id)).ifPresent(other -> {
                throw new InvalidRequestException("name", "a channel named '" + valid.name() + "' exists already");
            });
            apply(channel, valid);
            if (NotificationChannel.EMAIL.equals(channel.type)) {
                if (valid.settings().username() == null) {
                    channel.secret = null;
                } else if (valid.password() != null) {
                    channel.secret = valid.password();
                }
            }
            return channel;
        });
    }

    /** A new signing secret for a webhook, shown once; the old one stops working at once. */
    public Saved rotateSecret(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> {
            NotificationChannel channel = find(id);
            if (!NotificationChannel.WEBHOOK.equals(channel.type)) {
                throw new InvalidRequestException("type", "only a webhook has a signing secret");
            }
            channel.secret = WebhookSignature.newSecret();
            channel.updatedAt = Instant.now();
            return new Saved(channel, channel.secret);
        });
    }

    public void delete(UUID id) {
        QuarkusTransaction.requiringNew().run(() -> find(id).delete());
    }

    public static NotificationChannel find(UUID id) {
        return NotificationChannel.byId(id).orElseThrow(() -> new NotFoundException("channel", id));
    }

    private record Valid(String name, String type, boolean enabled, ChannelSettings settings, String password,
            List<ChannelRule> rules) {}

    private static void apply(NotificationChannel channel, Valid valid) {
        channel.name = valid.name();
        channel.enabled = valid.enabled();
        channel.settings = valid.settings();
        channel.rules = valid.rules();
        channel.updatedAt = Instant.now();
    }

    private static Valid validate(ChannelSpec spec, NotificationChannel existing) {
        if (spec == null) {
            throw new InvalidRequestException("body", "a channel is required");
        }
        String name = spec.name() == null ? "" : spec.name().strip();
        if (name.isEmpty() || name.length() > MAX_NAME || name.chars().anyMatch(Character::isISOControl)) {
            throw new InvalidRequestException("name", "must be 1-" + MAX_NAME + " characters without control characters");
        }
        String type = spec.type();
        if (!NotificationChannel.EMAIL.equals(type) && !NotificationChannel.WEBHOOK.equals(type)) {
            throw new InvalidRequestException("type", "must be 'email' or 'webhook'");
        }
        if (existing != null && !existing.type.equals(type)) {
            throw new InvalidRequestException("type", "a channel's type cannot change (it is '" + existing.type
                    + "'); create another channel");
        }
        List<ChannelRule> rules = rules(spec.rules());
        boolean enabled = spec.enabled() == null || spec.enabled();
        if (NotificationChannel.WEBHOOK.equals(type)) {
            if (spec.webhook() == null) {
                throw new InvalidRequestException("webhook", "a webhook channel needs {\"url\": ...}");
            }
            return new Valid(name, type, enabled, ChannelSettings.webhook(webhookUrl(spec.webhook().url())), null, rules);
        }
        ChannelSpec.Email email = spec.email();
        if (email == null) {
            throw new InvalidRequestException("email", "an e-mail channel needs its SMTP server, sender and recipients");
        }
        String security = email.security() == null ? EmailSender.STARTTLS : email.security();
        int defaultPort = switch (security) {
            case EmailSender.STARTTLS -> 587;
            case EmailSender.TLS -> 465;
            case EmailSender.NONE -> 25;
            default -> throw new InvalidRequestException("email.security", "must be 'starttls', 'tls' or 'none'");
        };
        if (email.host() == null || !HOST.matcher(email.host()).matches() || email.host().contains("..")) {
            throw new InvalidRequestException("email.host", "must be a host name or an IP address");
        }
        int port = email.port() == null ? defaultPort : email.port();
        if (port < 1 || port > 65535) {
            throw new InvalidRequestException("email.port", "must be 1-65535");
        }
        String from = address("email.from", email.from());
        if (email.to() == null || email.to().isEmpty() || email.to().size() > MAX_RECIPIENTS) {
            throw new InvalidRequestException("email.to", "give 1-" + MAX_RECIPIENTS + " recipients");
        }
        List<String> to = new ArrayList<>();
        for (int i = 0; i < email.to().size(); i++) {
            to.add(address("email.to[" + i + "]", email.to().get(i)));
        }
        String username = email.username() == null || email.username().isEmpty() ? null : email.username();
        if (username != null && (username.length() > 256 || username.chars().anyMatch(Character::isISOControl))) {
            throw new InvalidRequestException("email.username", "must be at most 256 characters without control characters");
        }
        String password = email.password() == null || email.password().isEmpty() ? null : email.password();
        boolean passwordStored = existing != null && existing.secret != null;
        if (username != null && password == null && !passwordStored) {
            throw new InvalidRequestException("email.password", "a user name needs its password");
        }
        if (username == null && password != null) {
            throw new InvalidRequestException("email.username", "a password needs its user name");
        }
        String certificate = email.trustedCertificate() == null || email.trustedCertificate().isBlank()
                ? null : certificate(email.trustedCertificate());
        ChannelSettings settings = new ChannelSettings(null, email.host(), port, security, username, from, to, certificate);
        return new Valid(name, type, enabled, settings, password, rules);
    }

    private static List<ChannelRule> rules(List<ChannelSpec.Rule> requested) {
        if (requested == null) {
            return List.of(new ChannelRule(List.of(), Severity.WARNING.id()));
        }
        if (requested.isEmpty()) {
            throw new InvalidRequestException("rules", "give at least one rule, or leave rules out for every warning and worse");
        }
        List<ChannelRule> rules = new ArrayList<>();
        for (int i = 0; i < requested.size(); i++) {
            ChannelSpec.Rule rule = requested.get(i);
            String field = "rules[" + i + "]";
            if (rule == null) {
                throw new InvalidRequestException(field, "a rule is {\"types\": [...], \"minSeverity\": ...}");
            }
            List<String> types = rule.types() == null ? List.of() : rule.types();
            for (int t = 0; t < types.size(); t++) {
                String id = types.get(t);
                if (AlertType.parse(id).isEmpty()) {
                    throw new InvalidRequestException(field + ".types[" + t + "]", "unknown event type '" + id
                            + "'; the types are " + AlertType.ids());
                }
            }
            String severity = rule.minSeverity() == null ? Severity.WARNING.id() : rule.minSeverity();
            if (Severity.parse(severity).isEmpty()) {
                throw new InvalidRequestException(field + ".minSeverity", "must be one of " + Severity.ids());
            }
            rules.add(new ChannelRule(List.copyOf(types), severity));
        }
        return rules;
    }

    private static String webhookUrl(String url) {
        String field = "webhook.url";
        if (url == null || url.isBlank() || url.length() > MAX_URL) {
            throw new InvalidRequestException(field, "must be an http or https address of at most " + MAX_URL + " characters");
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new InvalidRequestException(field, "is not an address: " + e.getMessage());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new InvalidRequestException(field, "must start with http:// or https://, not '"
                    + (uri.getScheme() == null ? url : uri.getScheme() + ":") + "'");
        }
        if (uri.getHost() == null) {
            throw new InvalidRequestException(field, "names no host");
        }
        if (uri.getRawUserInfo() != null) {
            // GET shows the address to every admin: credentials belong in the signature, not in the URL
            throw new InvalidRequestException(field, "must not carry a user name or password; the receiver checks the signature");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidRequestException(field, "must not have a fragment (#...)");
        }
        return uri.toString();
    }

    private static String address(String field, String address) {
        if (address == null || address.length() > 254 || !ADDRESS.matcher(address).matches()) {
            throw new InvalidRequestException(field, "'" + (address == null ? "" : address)
                    + "' is not an e-mail address (name@example.org)");
        }
        return address;
    }

    private static String certificate(String pem) {
        try {
            if (CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII))).isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
            return pem.strip() + "\n";
        } catch (CertificateException e) {
            throw new InvalidRequestException("email.trustedCertificate", "is not a PEM certificate: " + e.getMessage());
        }
    }
}
