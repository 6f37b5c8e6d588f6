package io.stillpoint.alert;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.icegreen.greenmail.util.GreenMail;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.MailLab;
import io.stillpoint.testing.WebhookReceiver;
import jakarta.mail.internet.MimeMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * The promise end to end, through the API only: an admin configures an SMTP server and a webhook, a job
 * whose three VMs all fail produces one mail and one signed webhook naming all three.
 */
@QuarkusTest
class FailingJobAlertsTest {

    @ConfigProperty(name = "stillpoint.home")
    Path home;

    @Test
    void aFailingJobProducesOneMailAndOneSignedWebhook() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        GreenMail smtp = MailLab.start(true);
        try (WebhookReceiver receiver = WebhookReceiver.start()) {
            List<String> channels = new ArrayList<>();
            channels.add(json().body(Map.of("name", "mail-" + tag, "type", "email", "email", Map.of("host", "localhost",
                            "port", MailLab.port(smtp), "security", "tls", "username", MailLab.USER, "password", MailLab.PASSWORD,
                            "from", "stillpoint@example.org", "to", List.of(MailLab.ADDRESS),
                            "trustedCertificate", MailLab.certificatePem()),
                            "rules", List.of(Map.of("types", List.of("run-failed"), "minSeverity", "critical"))))
                    .post("/api/notifications/channels").then().statusCode(201).extract().path("id"));
            JsonPath hook = json().body(Map.of("name", "hook-" + tag, "type", "webhook", "webhook", Map.of("url", receiver.url()),
                            "rules", List.of(Map.of("types", List.of("run-failed")))))
                    .post("/api/notifications/channels").then().statusCode(201).extract().jsonPath();
            channels.add(hook.getString("id"));
            receiver.secret(hook.getString("secret"));

            String host = Api.createSimulatedHost("alerts-" + tag, Files.createDirectories(home.resolve("alerts-" + tag)));
            String repository = Api.createRepository("alerts-" + tag, home.resolve("alerts-repo-" + tag));
            List<String> vms = new ArrayList<>();
            for (String name : List.of("web01", "web02", "web03")) {
                vms.add(Api.createVm(host, name + "-" + tag, 8L << 20, 8L << 20, false));
            }
            // 'online' needs guests that quiesce themselves, and these cannot: every run fails at once
            String jobName = "nightly-" + tag;
            String job = json().body(Map.of("name", jobName, "schedule", "0 0 2 * * ?", "vmIds", vms, "mode", "online",
                            "repositoryId", repository, "maxParallel", 3, "retention", Map.of("keepLast", 3)))
                    .post("/api/jobs").then().statusCode(201).extract().path("id");
            List<String> runs = json().post("/api/jobs/{id}/run", job).then().statusCode(202).extract().jsonPath()
                    .getList("id", String.class);
            for (String run : runs) {
                assertThat(Api.awaitFinished("runs", run).getString("status")).isEqualTo("FAILED");
            }

            await().atMost(Duration.ofSeconds(30)).until(() -> mailsAbout(smtp, jobName).size() == 1
                    && !hooksAbout(receiver, job).isEmpty());
            // the grouping window has passed: nothing else is coming for this job
            await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);

            List<MimeMessage> mails = mailsAbout(smtp, jobName);
            assertThat(mails).hasSize(1);
            assertThat(mails.get(0).getSubject()).isEqualTo("[Stillpoint critical] 3 runs failed in job '" + jobName + "'");
            String text = EmailDeliveryTest.parts(mails.get(0)).get("text/plain");
            for (String name : List.of("web01", "web02", "web03")) {
                assertThat(text).contains("VM '" + name + "-" + tag + "'");
            }
            for (String run : runs) {
                assertThat(text).contains("https://backup.example.org:8443/#/runs/" + run);
            }

            List<WebhookReceiver.Received> hooks = hooksAbout(receiver, job);
            assertThat(hooks).hasSize(1);
            assertThat(hooks.get(0).signatureValid()).isTrue();
            JsonPath body = new JsonPath(hooks.get(0).body().toString());
            assertThat(body.getInt("count")).isEqualTo(3);
            assertThat(body.getList("events.runId", String.class)).containsExactlyInAnyOrderElementsOf(runs);
            assertThat(body.getList("events.vmId", String.class)).containsExactlyInAnyOrderElementsOf(vms);
            assertThat(body.getString("events[0].summary")).contains("needs a guest that can quiesce itself");

            assertThat(json().get("/api/notifications/events?type=run-failed&limit=100").then().statusCode(200).extract()
                    .jsonPath().getList("runId", String.class)).containsAll(runs);
            channels.forEach(id -> json().delete("/api/notifications/channels/{id}", id).then().statusCode(204));
        } finally {
            smtp.stop();
        }
    }

    private static List<MimeMessage> mailsAbout(GreenMail smtp, String jobName) {
        return Arrays.stream(smtp.getReceivedMessages()).filter(m -> {
            try {
                return m.getSubject().contains(jobName);
            } catch (jakarta.mail.MessagingException e) {
                return false;
            }
        }).toList();
    }

    private static List<WebhookReceiver.Received> hooksAbout(WebhookReceiver receiver, String job) {
        return receiver.received(r -> r.body() != null && job.equals(r.body().path("events").path(0).path("jobId").asText()));
    }
}
