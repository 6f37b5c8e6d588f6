package io.stillpoint.alert;

import java.time.Duration;

/**
 * Sends a message to one type of channel. Contract: {@link #send} answers every receiver's failure as a
 * failed {@link SendOutcome} (it throws for none of them), ends within {@code timeout}, never follows the
 * receiver elsewhere (no redirects), and never writes the channel's secret to a log or an outcome.
 */
interface ChannelSender {

    /** The channel type it serves: {@link NotificationChannel#EMAIL} or {@link NotificationChannel#WEBHOOK}. */
    String type();

    SendOutcome send(NotificationChannel channel, Message message, Duration timeout);
}
