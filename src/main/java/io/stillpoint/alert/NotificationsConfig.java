package io.stillpoint.alert;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** How alerts are grouped, sent and retried, and when lasting conditions count as alerts. */
@ConfigMapping(prefix = "stillpoint.notifications")
public interface NotificationsConfig {

    /**
     * The console's address as admins reach it, the start of every link in a message, e.g. {@code
     * https://backup.example.org:8443/}.
     */
    @WithDefault("https://localhost:${quarkus.http.ssl-port:8443}/")
    String consoleUrl();

    /**
     * Events of one group (one type, about one job, VM, repository or node) that come within this of each
     * other go out in one message, sent this long after the last of them.
     */
    @WithDefault("PT2M")
    Duration groupWindow();

    /** A group still growing is sent at the latest this long after its first event. */
    @WithDefault("PT15M")
    Duration groupMaxWait();

    /** How often each node routes new events and sends what is due. */
    @WithDefault("PT1S")
    Duration pollInterval();

    /** The deadline of one attempt: connecting, TLS, sending and the receiver's answer. */
    @WithDefault("PT15S")
    Duration sendTimeout();

    Retry retry();

    /** How often VMs' protection, repositories' space and health are looked at. */
    @WithDefault("PT1M")
    Duration checkInterval();

    /** A repository whose file system is at least this full (in percent) raises {@code repository-nearly-full}. */
    @WithDefault("90")
    int repositoryFullPercent();

    /**
     * How much older than its job's interval (the longest gap between the schedule's fires) a VM's newest
     * restore point may be before the VM counts as unprotected: time for the run itself.
     */
    @WithDefault("PT1H")
    Duration unprotectedGrace();

    /** Events, finished deliveries and attempts older than this are removed. */
    @WithDefault("P90D")
    Duration keep();

    interface Retry {

        /** The wait before the second attempt; it doubles with every further attempt. */
        @WithDefault("PT30S")
        Duration initialDelay();

        /** The longest wait between two attempts. */
        @WithDefault("PT30M")
        Duration maxDelay();

        /** A message not sent this long after its first attempt is given up (status FAILED). */
        @WithDefault("PT24H")
        Duration giveUpAfter();
    }
}
