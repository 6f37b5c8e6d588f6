package io.stillpoint.guestfiles;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start-up recovery kills a process only if it is provably the appliance recorded: same pid, same start time. */
class ApplianceRecordsTest {

    @TempDir
    Path folder;

    @Test
    void killsARecordedProcessThatStillRunsAndLeavesAProcessWhosePidWasReused() throws IOException {
        Process recorded = new ProcessBuilder("sleep", "300").start();
        Process other = new ProcessBuilder("sleep", "300").start();
        try {
            ApplianceRecords records = new ApplianceRecords(folder);
            records.record((int) recorded.pid());
            // A record naming the other process's pid with another start time: that pid was reused.
            Files.writeString(folder.resolve(Long.toString(other.pid())), "1");
            Files.writeString(folder.resolve("not-a-pid"), "1");

            int killed = new ApplianceRecords(folder).recover();

            assertThat(killed).isEqualTo(1);
            await().atMost(Duration.ofSeconds(10)).until(() -> !recorded.isAlive());
            assertThat(other.isAlive()).isTrue();
            assertThat(folder.resolve(Long.toString(recorded.pid()))).doesNotExist();
            assertThat(folder.resolve(Long.toString(other.pid()))).doesNotExist();
            assertThat(folder.resolve("not-a-pid")).exists();
        } finally {
            recorded.destroyForcibly();
            other.destroyForcibly();
        }
    }

    @Test
    void forgetsARecordWhenItsApplianceStopsNormally() {
        ApplianceRecords records = new ApplianceRecords(folder);
        long self = ProcessHandle.current().pid();
        records.record((int) self);
        assertThat(folder.resolve(Long.toString(self))).exists();

        records.forget((int) self);

        assertThat(folder.resolve(Long.toString(self))).doesNotExist();
    }
}
