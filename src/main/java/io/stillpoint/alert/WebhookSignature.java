package io.stillpoint.alert;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * How a webhook's receiver knows a message is Stillpoint's: {@code X-Stillpoint-Signature: sha256=<hex>}, the
 * HMAC-SHA256 keyed with the channel's secret (its UTF-8 bytes) over {@code <timestamp>.<body>}, where the
 * timestamp is {@code X-Stillpoint-Timestamp} (Unix seconds). Signing the timestamp lets a receiver refuse a
 * replayed message by its age.
 */
public final class WebhookSignature {

    public static final String TIMESTAMP_HEADER = "X-Stillpoint-Timestamp";
    public static final String SIGNATURE_HEADER = "X-Stillpoint-Signature";
    public static final String ID_HEADER = "X-Stillpoint-Id";
    public static final String EVENT_HEADER = "X-Stillpoint-Event";

    private static final String PREFIX = "whsec_";
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSignature() {}

    /** A new secret: 32 random bytes, URL-safe Base64, marked as a webhook secret. */
    public static String newSecret() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    public static String sign(String secret, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            mac.update((timestamp + ".").getBytes(StandardCharsets.US_ASCII));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HMAC-SHA256 is missing from this JVM", e);
        }
    }
}
