package io.stillpoint.host.libvirt;

import java.time.Duration;

/**
 * How long a libvirt host waits for each kind of call before it fails it.
 *
 * @param command an ordinary call: list, look up, suspend, resume, start, destroy
 * @param shutdown a guest's clean shutdown, before it is destroyed
 * @param save saving a guest's memory to a file, or restoring it from one
 * @param freeze the guest agent's freeze or thaw of the guest's file systems
 * @param job how long a disk copy of an instant recovery's move may make no progress before it is given up
 */
public record LibvirtDeadlines(Duration command, Duration shutdown, Duration save, Duration freeze, Duration job) {

    public static LibvirtDeadlines defaults() {
        return new LibvirtDeadlines(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofMinutes(10),
                Duration.ofSeconds(30), Duration.ofMinutes(5));
    }
}
