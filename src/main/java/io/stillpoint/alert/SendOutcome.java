package io.stillpoint.alert;

/**
 * How one attempt to send ended.
 *
 * @param statusCode the HTTP status of a webhook's answer, the SMTP reply code of a refusal; null without one
 * @param answer the receiver's answer (a webhook's body, the SMTP server's message id) or why there was none
 * @param permanent the receiver refused in a way that a retry cannot change (an HTTP 4xx other than 408 and
 *     429, a redirect, an SMTP 5xx)
 */
public record SendOutcome(boolean ok, Integer statusCode, String answer, boolean permanent, long durationMillis) {

    static SendOutcome sent(Integer statusCode, String answer, long durationMillis) {
        return new SendOutcome(true, statusCode, answer, false, durationMillis);
    }

    static SendOutcome failed(Integer statusCode, String answer, boolean permanent, long durationMillis) {
        return new SendOutcome(false, statusCode, answer, permanent, durationMillis);
    }
}
