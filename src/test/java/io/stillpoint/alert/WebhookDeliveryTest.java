package io.stillpoint.alert;

import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.testing.WebhookReceiver;
import io.stillpoint.testing.WebhookReceiver.Received;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Webhooks against a real HTTP receiver that checks each signature: retried with backoff while it answers 500,
 * given up after the bounded time or at once on a 4xx, grouped, tested by hand, and sent once each however many
 * senders race for them. The tests run with retries from 0.3 s, doubling up to 2 s, given up after 4 s.
 */
@QuarkusTest
class WebhookDeliveryTest {

    @Inject
    Alerts alerts;

    @Inject
    Outbox outbox;

    WebhookReceiver receiver;
    String channelId;

    @BeforeEach
    void receiverAndChannel() {
        receiver = WebhookReceiver.start();
        JsonPath created = json().body(Map.of("name", "hook-" + UUID.randomUUID(), "type", "webhook",
                        "webhook", Map.of("url", receiver.url()),
                        "rules", List.of(Map.of("types", List.of("run-failed"), "minSeverity", "warning"))))
                .post("/api/notifications/channels").then().statusCode(201).extract().jsonPath();
        channelId = created.getString("id");
        receiver.secret(created.getString("secret"));
    }

    @AfterEach
    void removeChannel() {
        json().delete("/api/notifications/channels/{id}", channelId).then().statusCode(204);
        receiver.close();
    }

    @Test
    void aWebhookIsSignedAndRetriedWithGrowingWaitsUntilTheReceiverTakesIt() {
        receiver.answer(200, 500, 500, 500);
        UUID job = raiseFailure("db01");

        await().atMost(Duration.ofSeconds(20)).until(() -> ofJob(job).size() == 4);
        List<Received> attempts = ofJob(job);
        assertThat(attempts).allMatch(Received::signatureValid, "signed with the channel's secret");
        assertThat(attempts).extracting(Received::id).containsOnly(attempts.get(0).id());
        assertThat(attempts).extracting(Received::answered).containsExactly(500, 500, 500, 200);
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < attempts.size(); i++) {
            gaps.add(Duration.between(attempts.get(i - 1).at(), attempts.get(i).at()));
        }
        // 0.3 s, 0.6 s, 1.2 s: each wait at least the one configured, and longer than the one before
        assertThat(gaps.get(0)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
        assertThat(gaps.get(1)).isGreaterThanOrEqualTo(Duration.ofMillis(600)).isGreaterThan(gaps.get(0));
        assertThat(gaps.get(2)).isGreaterThanOrEqualTo(Duration.ofMillis(1200)).isGreaterThan(gaps.get(1));

        JsonPath body = new JsonPath(attempts.get(3).body().toString());
        assertThat(body.getString("type")).isEqualTo("run-failed");
        assertThat(body.getString("severity")).isEqualTo("critical");
        assertThat(body.getInt("count")).isEqualTo(1);
        assertThat(body.getString("events[0].summary")).contains("db01");
        assertThat(body.getString("events[0].jobId")).isEqualTo(job.toString());
        assertThat(body.getString("events[0].link")).startsWith("https://backup.example.org:8443/#/");

        List<Map<String, Object>> shown = json().get("/api/notifications/channels/{id}/attempts", channelId)
                .then().statusCode(200).extract().jsonPath().getList("$");
        assertThat(shown).extracting(a -> a.get("statusCode")).containsExactly(200, 500, 500, 500);
        assertThat(shown.get(1).get("answer")).isEqualTo("busy, try later");
        assertThat(shown.get(0).get("ok")).isEqualTo(true);
        json().get("/api/notifications/channels/{id}", channelId).then().body("lastAttempt.statusCode", equalTo(200));
        assertThat(delivery(attempts.get(0).id()).status).isEqualTo(NotificationDelivery.SENT);
    }

    @Test
    void aReceiverThatNeverTakesItIsGivenUpAfterTheBoundedTimeAndOneThatRefusesAtOnce() {
        receiver.answer(503);
        UUID busy = raiseFailure("web01");
        await().atMost(Duration.ofSeconds(20))
                .until(() -> !ofJob(busy).isEmpty() && NotificationDelivery.FAILED.equals(delivery(ofJob(busy).get(0).id()).status));
        List<Received> tried = ofJob(busy);
        // first attempt, then after 0.3, 0.6, 1.2 and 2 s: the last lands at the 4 s bound
        assertThat(tried).hasSizeBetween(4, 6);
        assertThat(Duration.between(tried.get(0).at(), tried.get(tried.size() - 1).at()))
                .isLessThanOrEqualTo(Duration.ofMillis(4500));
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(2)).until(() -> true);
        assertThat(ofJob(busy)).as("nothing after giving up").hasSize(tried.size());

        receiver.answer(400);
        UUID refused = raiseFailure("app01");
        await().atMost(Duration.ofSeconds(10)).until(() -> !ofJob(refused).isEmpty()
                && NotificationDelivery.FAILED.equals(delivery(ofJob(refused).get(0).id()).status));
        assertThat(ofJob(refused)).as("a 400 is not retried").hasSize(1);
        assertThat(delivery(ofJob(refused).get(0).id()).lastError).isEqualTo("busy, try later");
    }

    @Test
    void identicalEventsOfOneJobGoOutAsOneMessage() {
        UUID job = UUID.randomUUID();
        for (int i = 0; i < 50; i++) {
            alerts.raise(Alert.of(AlertType.RUN_FAILED, "backup of VM 'vm" + i + "' failed: no space").job(job)
                    .vm(UUID.randomUUID()).scope("job 'nightly'"));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !ofJob(job).isEmpty());
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(3)).until(() -> true);
        List<Received> got = ofJob(job);
        assertThat(got).hasSize(1);
        JsonPath body = new JsonPath(got.get(0).body().toString());
        assertThat(body.getInt("count")).isEqualTo(50);
        assertThat(body.getString("title")).isEqualTo("50 runs failed in job 'nightly'");
        assertThat(body.getList("events")).hasSize(50);
    }

    @Test
    void aTestMessageIsSentAtOnceAndItsAnswerShown() {
        json().post("/api/notifications/channels/{id}/test", channelId).then().statusCode(200)
                .body("ok", equalTo(true)).body("statusCode", equalTo(200)).body("answer", equalTo("thanks"));
        assertThat(receiver.received()).hasSize(1);
        assertThat(receiver.received().get(0).event()).isEqualTo("test");
        assertThat(receiver.received().get(0).signatureValid()).isTrue();

        receiver.answer(500);
        json().post("/api/notifications/channels/{id}/test", channelId).then().statusCode(200)
                .body("ok", equalTo(false)).body("statusCode", equalTo(500)).body("answer", equalTo("busy, try later"));
    }

    @Test
    void deliveriesRacedForBySeveralSendersAreEachSentOnce() throws Exception {
        List<UUID> jobs = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            jobs.add(raiseFailure("race" + i));
        }
        ExecutorService senders = Executors.newFixedThreadPool(3);
        try {
            List<Future<?>> racing = new ArrayList<>();
            for (int s = 0; s < 3; s++) {
                racing.add(senders.submit(() -> {
                    long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
                    while (System.nanoTime() < until) {
                        outbox.route();
                        outbox.sendDue();
                    }
                }));
            }
            for (Future<?> sender : racing) {
                sender.get();
            }
        } finally {
            senders.shutdownNow();
        }
        for (UUID job : jobs) {
            assertThat(ofJob(job)).as("job %s", job).hasSize(1);
        }
    }

    private UUID raiseFailure(String vm) {
        UUID job = UUID.randomUUID();
        alerts.raise(Alert.of(AlertType.RUN_FAILED, "backup of VM '" + vm + "' failed: the repository is gone").job(job)
                .vm(UUID.randomUUID()).scope("job 'test'"));
        return job;
    }

    private List<Received> ofJob(UUID job) {
        return receiver.received(r -> r.body() != null && r.body().path("events").path(0).path("jobId").asText()
                .equals(job.toString()));
    }

    private static NotificationDelivery delivery(String id) {
        return QuarkusTransaction.requiringNew().call(() -> NotificationDelivery.byId(UUID.fromString(id)).orElseThrow());
    }
}
