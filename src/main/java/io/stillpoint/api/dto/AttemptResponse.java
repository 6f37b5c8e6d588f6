package io.stillpoint.api.dto;

import io.stillpoint.alert.NotificationAttempt;
import java.time.Instant;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One attempt to send to a channel.
 *
 * @param deliveryId the message it belongs to; null for a test message
 * @param statusCode the webhook's HTTP status or the SMTP server's reply code to a refusal
 * @param answer what the receiver answered (its first 1000 characters), or why nothing was sent
 * @param events how many alerts the message carried
 */
public record AttemptResponse(
        UUID id,
        @Schema(nullable = true) UUID deliveryId,
        Instant at,
        long durationMillis,
        boolean ok,
        @Schema(nullable = true) Integer statusCode,
        @Schema(nullable = true) String answer,
        int events) {

    public static AttemptResponse of(NotificationAttempt attempt) {
        return new AttemptResponse(attempt.id, attempt.deliveryId, attempt.at, attempt.durationMillis, attempt.ok,
                attempt.statusCode, attempt.answer, attempt.events);
    }
}
