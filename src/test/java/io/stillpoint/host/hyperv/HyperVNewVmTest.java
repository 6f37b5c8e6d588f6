package io.stillpoint.host.hyperv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.stillpoint.host.GuestInfo;
import io.stillpoint.host.GuestState;
import io.stillpoint.host.HostException;
import io.stillpoint.host.InvalidGuestSpecException;
import io.stillpoint.testing.hyperv.StandInWorld;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A restore as a new VM on Hyper-V: Import-VM -Copy -GenerateNewId, then Rename-VM, against the stand-in. */
class HyperVNewVmTest {

    @TempDir
    Path dir;

    private StandInWorld world;
    private HyperVHypervisor host;
    private String original;
    private Properties originalBefore;

    @BeforeEach
    void setUp() throws Exception {
        world = new StandInWorld(dir);
        original = world.addVm("win-app", true, "C", "C");
        host = world.host(world.config(Duration.ofSeconds(20)));
        originalBefore = world.vm(original);
    }

    @AfterEach
    void tearDown() throws Exception {
        world.close();
    }

    /** What a restore leaves at the new VM's folder: the original VM's folder as backed up. */
    private Path restoredCopy(String name) throws IOException {
        Path target = host.newGuestDirectory(name);
        Path source = Path.of(originalBefore.getProperty("Path"));
        try (Stream<Path> walk = Files.walk(source)) {
            for (Path from : walk.toList()) {
                Path to = target.resolve(source.relativize(from).toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
        return target;
    }

    @Test
    void importsTheRestoredCopyAsANewVmWithItsOwnIdAndDisks() throws Exception {
        Path restored = restoredCopy("win-app restored");
        assertThat(restored).isEqualTo(dir.resolve("volumes/C/Hyper-V/win-app restored/Restored"));
        Files.writeString(restored.resolve("Virtual Hard Disks/system.vhdx"), "as restored");

        GuestInfo guest = host.importGuest(restored, "win-app restored");

        assertThat(guest.ref()).isNotEqualToIgnoringCase(original);
        assertThat(guest.name()).isEqualTo("win-app restored");
        assertThat(guest.state()).isEqualTo(GuestState.OFF);
        Path home = dir.resolve("volumes/C/Hyper-V/win-app restored");
        assertThat(guest.directory()).isEqualTo(home);
        assertThat(guest.disks()).containsExactly(home.resolve("Virtual Hard Disks/system.vhdx"),
                home.resolve("Virtual Hard Disks/data.vhdx"));
        assertThat(Files.readString(home.resolve("Virtual Hard Disks/system.vhdx"), StandardCharsets.UTF_8))
                .as("the disk comes from the restored copy, not from the original VM")
                .isEqualTo("as restored");
        assertThat(home.resolve("Virtual Machines/" + guest.ref() + ".vmcx")).isRegularFile();
        assertThat(restored).doesNotExist();
        assertThat(world.vmIds()).containsExactlyInAnyOrder(original, guest.ref());
        assertThat(world.calls()).contains("powershell Import-VM -Copy " + guest.ref(),
                "powershell Rename-VM " + guest.ref());

        Properties originalAfter = world.vm(original);
        assertThat(originalAfter.getProperty("Name")).isEqualTo("win-app");
        assertThat(originalAfter.getProperty("State")).isEqualTo("Running");
        assertThat(originalAfter.getProperty("Path")).isEqualTo(originalBefore.getProperty("Path"));
        assertThat(originalAfter.getProperty("HardDrives")).isEqualTo(originalBefore.getProperty("HardDrives"));
        assertThat(host.guest(original).state()).isEqualTo(GuestState.RUNNING);
    }

    /**
     * The restored copy is removed once Hyper-V has copied it; a link in it (a VM folder may hold links,
     * and on Windows junctions) is removed as a link, and what it points to stays.
     */
    @Test
    void removingTheRestoredCopyNeverFollowsALinkInIt() throws Exception {
        Path restored = restoredCopy("linked");
        Path victim = Files.createDirectories(dir.resolve("victim/deep"));
        Files.writeString(victim.resolve("keep.txt"), "keep");
        Files.createSymbolicLink(restored.resolve("Snapshots"), dir.resolve("victim"));

        host.importGuest(restored, "linked");

        assertThat(restored).doesNotExist();
        assertThat(victim.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void refusesANameAVmHasOrThatHyperVWouldNotTake() {
        assertThatThrownBy(() -> host.newGuestDirectory("WIN-APP"))
                .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("name"))
                .hasMessageContaining("already exists");
        for (String bad : List.of("", "a/b", "x\\y", " leading", "trailing ", "tab\tinside", "x".repeat(101))) {
            assertThatThrownBy(() -> host.newGuestDirectory(bad)).as(bad)
                    .isInstanceOfSatisfying(InvalidGuestSpecException.class, e -> assertThat(e.field()).isEqualTo("name"));
        }
    }

    /** The name is the VM's; only the folder derived from it must be one Windows takes, inside the VM folder. */
    @Test
    void aNameThatCannotBeAFolderGetsASafeFolderOfItsOwn() throws Exception {
        Path vms = dir.resolve("volumes/C/Hyper-V");
        for (String name : List.of("..", "trailing.", "-dash-first", "CON", "Büro: alt", "web 01")) {
            Path restored = host.newGuestDirectory(name);
            assertThat(restored.getFileName()).as(name).hasToString("Restored");
            assertThat(restored.getParent().getParent()).as(name).isEqualTo(vms);
            assertThat(restored.getParent().getFileName().toString()).as(name)
                    .matches("[A-Za-z0-9_][A-Za-z0-9 ._()-]*[A-Za-z0-9_()-]").isNotEqualToIgnoringCase("CON");
        }
        assertThat(host.newGuestDirectory("web 01")).isEqualTo(vms.resolve("web 01/Restored"));

        GuestInfo guest = host.importGuest(restoredCopy("Büro: alt"), "Büro: alt");

        assertThat(guest.name()).isEqualTo("Büro: alt");
        assertThat(guest.directory().getParent()).isEqualTo(vms);
    }

    @Test
    void refusesAFolderThatExistsAlready() throws Exception {
        Files.createDirectories(dir.resolve("volumes/C/Hyper-V/leftover"));

        assertThatThrownBy(() -> host.newGuestDirectory("leftover"))
                .isInstanceOf(InvalidGuestSpecException.class)
                .hasMessageContaining("already exists");
    }

    @Test
    void aRestoredCopyWithoutConfigurationFailsClearly() throws Exception {
        Path restored = restoredCopy("no-config");
        try (Stream<Path> configs = Files.list(restored.resolve("Virtual Machines"))) {
            for (Path config : configs.toList()) {
                Files.delete(config);
            }
        }

        assertThatThrownBy(() -> host.importGuest(restored, "no-config"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("exactly one .vmcx")
                .hasMessageContaining("it holds 0");
        assertThat(world.vmIds()).containsExactly(original);
    }

    @Test
    void aDamagedConfigurationFailsWithHyperVsReason() throws Exception {
        Path restored = restoredCopy("damaged");
        Files.writeString(restored.resolve("Virtual Machines/" + original + ".vmcx"), "not a configuration");

        assertThatThrownBy(() -> host.importGuest(restored, "damaged"))
                .isInstanceOf(HostException.class)
                .hasMessageContaining("importing restored VM 'damaged'")
                .hasMessageContaining("configuration errors");
        assertThat(world.vmIds()).containsExactly(original);
        assertThat(world.vm(original).getProperty("State")).isEqualTo("Running");
    }
}
