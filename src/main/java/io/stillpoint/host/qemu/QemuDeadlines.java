package io.stillpoint.host.qemu;

import java.time.Duration;

/**
 * How long Stillpoint waits for each kind of QEMU call before it gives up with an error.
 *
 * @param command any QMP command, and connecting
 * @param powerdown a guest's own shutdown after {@code system_powerdown}, before Stillpoint sends
 *     {@code quit}
 * @param agentPing the guest agent's answer to {@code guest-ping}: short, since without an agent in the
 *     guest the socket simply stays silent
 * @param freeze {@code guest-fsfreeze-freeze}; when it passes Stillpoint thaws and fails the hold
 * @param job a block job or a migration (commit of an overlay, save of the guest's memory)
 */
public record QemuDeadlines(Duration command, Duration powerdown, Duration agentPing, Duration freeze, Duration job) {

    public static QemuDeadlines defaults() {
        return new QemuDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(3),
                Duration.ofSeconds(30), Duration.ofMinutes(10));
    }
}
