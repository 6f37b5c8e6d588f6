package io.stillpoint.alert;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.ext.mail.LoginOption;
import io.vertx.ext.mail.MailConfig;
import io.vertx.ext.mail.MailMessage;
import io.vertx.ext.mail.MailResult;
import io.vertx.ext.mail.SMTPException;
import io.vertx.ext.mail.StartTLSOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.ext.mail.MailClient;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;

/**
 * Sends a message as a mail with a plain-text and an HTML part, through the mail client of the Quarkus mailer
 * extension. Quarkus's own {@code Mailer} reads its SMTP server from the configuration, while each channel
 * names its own server in the catalog; so each send builds a client for its channel's server and closes it.
 */
@ApplicationScoped
class EmailSender implements ChannelSender {

    static final String STARTTLS = "starttls";
    static final String TLS = "tls";
    static final String NONE = "none";

    private final Vertx vertx;

    EmailSender(Vertx vertx) {
        this.vertx = vertx;
    }

    @Override
    public String type() {
        return NotificationChannel.EMAIL;
    }

    @Override
    public SendOutcome send(NotificationChannel channel, Message message, Duration timeout) {
        long started = System.nanoTime();
        ChannelSettings settings = channel.settings;
        MailClient client = MailClient.create(vertx, config(settings, channel.secret, timeout));
        try {
            MailMessage mail = new MailMessage()
                    .setFrom(settings.from())
                    .setTo(settings.to())
                    .setSubject(message.subject())
                    .setText(message.text())
                    .setHtml(message.html())
                    .addHeader(WebhookSignature.ID_HEADER, message.id().toString())
                    .addHeader(WebhookSignature.EVENT_HEADER, message.type());
            MailResult result = client.sendMail(mail).await().atMost(timeout);
            return SendOutcome.sent(null, "accepted for " + String.join(", ", result.getRecipients())
                    + (result.getMessageID() == null ? "" : " as " + result.getMessageID()), WebhookSender.millisSince(started));
        } catch (RuntimeException e) {
            // The client's own failures reach here wrapped, as they are not runtime exceptions.
            if (e.getCause() instanceof SMTPException refused) {
                return SendOutcome.failed(refused.getReplyCode(), settings.host() + " refused: " + refused.getMessage(),
                        refused.isPermanent(), WebhookSender.millisSince(started));
            }
            Throwable cause = e.getCause() == null ? e : e.getCause();
            String why = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
            return SendOutcome.failed(null, "no delivery through " + settings.host() + ":" + settings.port() + ": " + why,
                    false, WebhookSender.millisSince(started));
        } finally {
            client.closeAndForget();
        }
    }

    static MailConfig config(ChannelSettings settings, String password, Duration timeout) {
        MailConfig config = new MailConfig()
                .setHostname(settings.host())
                .setPort(settings.port())
                .setConnectTimeout((int) timeout.toMillis())
                .setSslHandshakeTimeout(timeout.toMillis())
                .setKeepAlive(false)
                .setMaxPoolSize(1)
                // the certificate must name the host the channel names, as a browser checks it
                .setHostnameVerificationAlgorithm("HTTPS");
        switch (settings.security()) {
            case TLS -> config.setSsl(true).setStarttls(StartTLSOptions.DISABLED);
            // REQUIRED: a server that does not offer STARTTLS gets nothing, rather than the mail in the clear
            case STARTTLS -> config.setSsl(false).setStarttls(StartTLSOptions.REQUIRED);
            default -> config.setSsl(false).setStarttls(StartTLSOptions.DISABLED);
        }
        if (settings.trustedCertificate() != null) {
            config.setPemTrustOptions(new PemTrustOptions().addCertValue(Buffer.buffer(settings.trustedCertificate())));
        }
        if (settings.username() != null) {
            config.setLogin(LoginOption.REQUIRED).setUsername(settings.username()).setPassword(password);
        } else {
            config.setLogin(LoginOption.DISABLED);
        }
        return config;
    }
}
