package io.stillpoint.alert;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;

/** POSTs a message as signed JSON (see {@link WebhookSignature}); a 2xx answer is a delivery. */
@ApplicationScoped
class WebhookSender implements ChannelSender {

    private final ObjectMapper json;
    private final HttpClient http = HttpClient.newBuilder()
            // A redirect would send the message, and its signature, where the admin did not say.
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();

    WebhookSender(ObjectMapper json) {
        this.json = json;
    }

    @Override
    public String type() {
        return NotificationChannel.WEBHOOK;
    }

    @Override
    public SendOutcome send(NotificationChannel channel, Message message, Duration timeout) {
        long started = System.nanoTime();
        byte[] body;
        try {
            body = json.writeValueAsBytes(message.payload());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("message " + message.id() + " cannot be written as JSON", e);
        }
        long timestamp = Instant.now().getEpochSecond();
        HttpRequest request = HttpRequest.newBuilder(URI.create(channel.settings.url()))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("User-Agent", "Stillpoint")
                .header(WebhookSignature.ID_HEADER, message.id().toString())
                .header(WebhookSignature.EVENT_HEADER, message.type())
                .header(WebhookSignature.TIMESTAMP_HEADER, Long.toString(timestamp))
                .header(WebhookSignature.SIGNATURE_HEADER, WebhookSignature.sign(channel.secret, timestamp, body))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            String answer;
            try (InputStream in = response.body()) {
                answer = new String(in.readNBytes(NotificationAttempt.ANSWER_CHARS), StandardCharsets.UTF_8);
            }
            int status = response.statusCode();
            long millis = millisSince(started);
            if (status >= 200 && status < 300) {
                return SendOutcome.sent(status, answer, millis);
            }
            boolean transientFailure = status >= 500 || status == 408 || status == 429;
            String why = status >= 300 && status < 400
                    ? "redirected to " + response.headers().firstValue("Location").orElse("(no Location)")
                            + ", which is not followed: give the final address" + (answer.isEmpty() ? "" : "; " + answer)
                    : answer;
            return SendOutcome.failed(status, why, !transientFailure, millis);
        } catch (IOException e) {
            return SendOutcome.failed(null, "no answer from " + request.uri().getHost() + ": " + describe(e), false,
                    millisSince(started));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return SendOutcome.failed(null, "interrupted: the server is stopping", false, millisSince(started));
        }
    }

    private static String describe(IOException e) {
        String message = e.getMessage();
        return e.getClass().getSimpleName() + (message == null || message.isBlank() ? "" : ": " + message);
    }

    static long millisSince(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos).toMillis();
    }
}
