package io.stillpoint.alert;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import com.icegreen.greenmail.util.GreenMail;
import io.quarkus.test.junit.QuarkusTest;
import io.stillpoint.testing.MailLab;
import io.stillpoint.testing.StartTlsFront;
import jakarta.inject.Inject;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.internet.MimeMessage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Alert mail through real SMTP servers: GreenMail with TLS from the first byte (SMTPS) and with STARTTLS (a
 * front that upgrades the connection before GreenMail), both requiring authentication, reading what was
 * delivered; a server that offers no STARTTLS gets nothing in the clear, and a wrong password is shown with the
 * server's refusal.
 */
@QuarkusTest
class EmailDeliveryTest {

    @Inject
    Alerts alerts;

    final List<String> channels = new ArrayList<>();
    final List<AutoCloseable> servers = new ArrayList<>();

    @AfterEach
    void cleanUp() throws Exception {
        channels.forEach(id -> json().delete("/api/notifications/channels/{id}", id).then().statusCode(204));
        for (AutoCloseable server : servers) {
            server.close();
        }
    }

    @Test
    void aMailWithTextAndHtmlGoesThroughImplicitTlsWithAuthentication() throws Exception {
        GreenMail smtps = started(true);
        String channel = channel("tls", MailLab.port(smtps), MailLab.PASSWORD);
        UUID job = UUID.randomUUID();
        UUID run = UUID.randomUUID();
        alerts.raise(Alert.of(AlertType.RUN_FAILED, "backup of VM 'db01' (job 'nightly') failed: <disk> full & gone")
                .job(job).run(run).vm(UUID.randomUUID()).scope("job 'nightly'"));

        MimeMessage mail = awaitOneMail(smtps);
        assertThat(mail.getSubject()).isEqualTo("[Stillpoint critical] backup of VM 'db01' (job 'nightly') failed: <disk> full & gone");
        assertThat(mail.getFrom()[0].toString()).isEqualTo("stillpoint@example.org");
        assertThat(mail.getAllRecipients()[0].toString()).isEqualTo(MailLab.ADDRESS);
        Map<String, String> parts = parts(mail);
        assertThat(parts.get("text/plain")).contains("failed: <disk> full & gone")
                .contains("https://backup.example.org:8443/#/runs/" + run);
        assertThat(parts.get("text/html")).contains("&lt;disk&gt; full &amp; gone")
                .contains("href=\"https://backup.example.org:8443/#/runs/" + run + "\"");
        json().get("/api/notifications/channels/{id}/attempts", channel).then().statusCode(200)
                .body("[0].ok", equalTo(true)).body("[0].answer", containsString(MailLab.ADDRESS));
    }

    @Test
    void starttlsUpgradesBeforeAuthenticatingAndKeepsThePasswordAnUpdateLeavesOut() throws Exception {
        GreenMail smtp = started(false);
        StartTlsFront front = StartTlsFront.before(MailLab.port(smtp));
        servers.add(front);
        String channel = channel("starttls", front.port(), MailLab.PASSWORD);
        Map<String, Object> renamed = email("starttls", front.port(), null);
        json().body(Map.of("name", "renamed-" + channel, "type", "email", "email", renamed))
                .put("/api/notifications/channels/{id}", channel).then().statusCode(200);

        json().post("/api/notifications/channels/{id}/test", channel).then().statusCode(200).body("ok", equalTo(true));
        MimeMessage mail = awaitOneMail(smtp);
        assertThat(mail.getSubject()).startsWith("[Stillpoint info] test message to channel 'renamed-");
        assertThat(front.upgrades()).isEqualTo(1);
    }

    @Test
    void aServerWithoutStarttlsGetsNothingInTheClear() throws Exception {
        GreenMail plain = started(false);
        String channel = channel("starttls", MailLab.port(plain), MailLab.PASSWORD);
        json().post("/api/notifications/channels/{id}/test", channel).then().statusCode(200)
                .body("ok", equalTo(false)).body("answer", containsString("STARTTLS"));
        assertThat(plain.getReceivedMessages()).isEmpty();
    }

    @Test
    void aWrongPasswordIsRefusedAndTheServersAnswerShown() throws Exception {
        GreenMail smtps = started(true);
        String channel = channel("tls", MailLab.port(smtps), "not-the-password");
        json().post("/api/notifications/channels/{id}/test", channel).then().statusCode(200)
                .body("ok", equalTo(false)).body("statusCode", equalTo(535));
        assertThat(smtps.getReceivedMessages()).isEmpty();
    }

    private GreenMail started(boolean implicitTls) {
        GreenMail mail = MailLab.start(implicitTls);
        servers.add(mail::stop);
        return mail;
    }

    private String channel(String security, int port, String password) {
        String id = json().body(Map.of("name", "mail-" + UUID.randomUUID(), "type", "email",
                        "email", email(security, port, password),
                        "rules", List.of(Map.of("types", List.of("run-failed")))))
                .post("/api/notifications/channels").then().statusCode(201).extract().path("id");
        channels.add(id);
        return id;
    }

    private static Map<String, Object> email(String security, int port, String password) {
        Map<String, Object> email = new HashMap<>(Map.of("host", "localhost", "port", port, "security", security,
                "username", MailLab.USER, "from", "stillpoint@example.org", "to", List.of(MailLab.ADDRESS),
                "trustedCertificate", MailLab.certificatePem()));
        if (password != null) {
            email.put("password", password);
        }
        return email;
    }

    private static MimeMessage awaitOneMail(GreenMail mail) {
        await().atMost(Duration.ofSeconds(20)).until(() -> mail.getReceivedMessages().length > 0);
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(mail.getReceivedMessages()).hasSize(1);
        return mail.getReceivedMessages()[0];
    }

    /** The plain-text and HTML bodies of a mail, by content type. */
    static Map<String, String> parts(MimeMessage mail) throws Exception {
        Map<String, String> parts = new HashMap<>();
        collect(mail.getContent(), parts);
        return parts;
    }

    private static void collect(Object content, Map<String, String> parts) throws Exception {
        if (content instanceof Multipart multipart) {
            for (int i = 0; i < multipart.getCount(); i++) {
                BodyPart part = multipart.getBodyPart(i);
                if (part.getContent() instanceof Multipart nested) {
                    collect(nested, parts);
                } else {
                    parts.put(part.getContentType().split(";")[0].trim().toLowerCase(), part.getContent().toString());
                }
            }
        }
    }
}
