package io.stillpoint.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.stillpoint.testing.TestFiles;
import io.stillpoint.testing.WebhookReceiver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The outbox survives a {@code kill -9}: a message being retried and one still collecting its group when the
 * server dies are both sent, once each, by the next start.
 */
class NotificationOutboxIT {

    private static final Map<String, String> SETTINGS = Map.of(
            "STILLPOINT_NOTIFICATIONS_GROUP_WINDOW", "PT10S",
            "STILLPOINT_NOTIFICATIONS_POLL_INTERVAL", "PT0.2S",
            "STILLPOINT_NOTIFICATIONS_RETRY_INITIAL_DELAY", "PT2S");

    Path home;
    Path log;

    @BeforeEach
    void freshHome() throws Exception {
        home = Files.createTempDirectory("stillpoint-outbox-");
        log = home.resolveSibling(home.getFileName() + ".log");
    }

    @AfterEach
    void removeHome() throws Exception {
        TestFiles.deleteTree(home);
    }

    @Test
    void messagesLeftUnsentByAKilledServerAreSentOnceByTheNextStart() throws Exception {
        try (WebhookReceiver receiver = WebhookReceiver.start().answer(500)) {
            String retried;
            String open;
            try (ServerProcess server = ServerProcess.start(home, log, SETTINGS)) {
                JsonNode channel = server.post("/api/notifications/channels", Map.of("name", "ops", "type", "webhook",
                        "webhook", Map.of("url", receiver.url()), "rules", List.of(Map.of("types", List.of("run-failed")))));
                receiver.secret(channel.get("secret").asText());

                // db01 and web01 cannot quiesce: an 'online' backup of each fails at once
                String first = failBackup(server, "db01");
                await().atMost(Duration.ofSeconds(60)).until(() -> !receiver.received().isEmpty());
                retried = receiver.received().get(0).id();
                String second = failBackup(server, "web01");
                await().atMost(Duration.ofSeconds(30)).until(() -> eventOf(server, second));
                assertThat(receiver.received()).as("the second message is still collecting its group")
                        .allMatch(r -> r.id().equals(retried));
                assertThat(eventOf(server, first)).isTrue();
                server.kill();
            }
            receiver.answer(200);

            try (ServerProcess server = ServerProcess.start(home, log, SETTINGS)) {
                await().atMost(Duration.ofSeconds(60)).until(() -> receiver.received(r -> r.answered() == 200).size() == 2);
                await().pollDelay(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(4)).until(() -> true);
                List<WebhookReceiver.Received> taken = receiver.received(r -> r.answered() == 200);
                assertThat(taken).hasSize(2).allMatch(WebhookReceiver.Received::signatureValid);
                open = taken.stream().map(WebhookReceiver.Received::id).filter(id -> !id.equals(retried)).findFirst().orElseThrow();
                assertThat(taken).extracting(WebhookReceiver.Received::id).containsExactlyInAnyOrder(retried, open);
                assertThat(receiver.received(r -> r.id().equals(open))).as("never tried before the kill").hasSize(1);
            }
        }
    }

    private static String failBackup(ServerProcess server, String vmName) throws Exception {
        String vm = null;
        for (JsonNode each : server.get("/api/vms")) {
            if (each.get("name").asText().equals(vmName)) {
                vm = each.get("id").asText();
            }
        }
        String run = server.post("/api/vms/" + vm + "/backup", Map.of("mode", "online")).get("id").asText();
        await().atMost(Duration.ofSeconds(30)).until(() -> "FAILED".equals(server.get("/api/runs/" + run).path("status").asText()));
        return run;
    }

    private static boolean eventOf(ServerProcess server, String run) throws Exception {
        for (JsonNode event : server.get("/api/notifications/events?type=run-failed")) {
            if (run.equals(event.path("runId").asText())) {
                return true;
            }
        }
        return false;
    }
}
