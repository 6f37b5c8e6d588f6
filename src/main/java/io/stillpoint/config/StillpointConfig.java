package io.stillpoint.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Stillpoint's own settings. Every key can be overridden by the environment, e.g. {@code STILLPOINT_HOME}. */
@ConfigMapping(prefix = "stillpoint")
public interface StillpointConfig {

    /** Where Stillpoint keeps its embedded catalog, demo host and default repository. */
    @WithDefault("${user.home}/.stillpoint")
    Path home();

    /** The name of this server node, recorded on the runs it executes; defaults to the host name. */
    Optional<String> node();

    Backup backup();

    Restore restore();

    Copy copy();

    Demo demo();

    Cluster cluster();

    Admin admin();

    interface Admin {

        /**
         * The password of the first admin, created when there is no user at all; without it a password is
         * generated and printed once in the log.
         */
        Optional<String> password();
    }

    interface Cluster {

        /** How long a node may stay silent before another node takes over its unfinished runs. */
        @WithDefault("PT30S")
        Duration deadAfter();
    }

    interface Backup {

        /**
         * The longest a guest may stay paused, saved or frozen by a run. When it is reached the watchdog
         * resumes the guest and the run fails.
         */
        @WithDefault("PT60S")
        Duration maxDowntime();

        /** How many runs execute at once on this node; more wait in the queue. */
        @WithDefault("2")
        int parallelRuns();
    }

    interface Restore {

        /** Directories under which restores to a path may write; nothing outside them is ever written. */
        @WithDefault("${stillpoint.home}/restores")
        List<Path> roots();

        /** How many restores execute at once on this node. */
        @WithDefault("2")
        int parallelRestores();
    }

    interface Copy {

        /** Upper bound of a copy's rate in bytes per second, per run; 0 means no limit. */
        @WithDefault("0")
        long bandwidthLimit();
    }

    interface Demo {

        /** Creates the simulated demo host, its VMs and a default repository on a first start. */
        @WithDefault("false")
        boolean enabled();
    }
}
