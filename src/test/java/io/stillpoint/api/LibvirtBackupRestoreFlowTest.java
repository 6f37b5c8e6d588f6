package io.stillpoint.api;

import static io.stillpoint.testing.Api.awaitFinished;
import static io.stillpoint.testing.Api.backup;
import static io.stillpoint.testing.Api.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.stillpoint.repository.Manifest;
import io.stillpoint.repository.ManifestCodec;
import io.stillpoint.testing.Api;
import io.stillpoint.testing.LibvirtLab;
import io.stillpoint.testing.QemuLab;
import io.stillpoint.testing.LoopFileSystem;
import io.stillpoint.writer.libvirt.LibvirtSnapshotWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A libvirt host added over HTTP by its URI, one of its domains (two qcow2 disks, booted once for the
 * class) backed up through the run pipeline and the libvirt writer in every mode that needs no guest
 * agent, incrementally, and restored as a new domain that runs beside the original.
 */
@QuarkusTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LibvirtBackupRestoreFlowTest {

    private static final long MIB = 1L << 20;
    private static final int A = 0xa1;
    private static final int B = 0xb2;

    private LibvirtLab lab;
    private LibvirtLab.Domain domain;
    private Path secondDisk;
    private Path rawDisk;
    private String vmId;
    private String repositoryId;
    private Path repository;
    private final List<String> copies = new java.util.ArrayList<>();

    /** Once for the class, in the first test's set-up: the server answers HTTP only from then on. */
    @BeforeEach
    void addTheHost() throws IOException {
        if (lab != null) {
            // A test that failed with the domain stopped must not fail the others.
            if (!LibvirtLab.virsh("domstate", domain.uuid()).strip().equals("running")) {
                LibvirtLab.virsh("start", domain.uuid());
            }
            return;
        }
        lab = new LibvirtLab();
        Path data = Files.createDirectories(lab.root().resolve(lab.named("data")));
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        secondDisk = data.resolve("data.qcow2");
        LibvirtLab.exec(List.of("qemu-img", "create", "-q", "-f", "qcow2", secondDisk.toString(), "32M"));
        // A raw disk too: libvirt keeps no bitmap on it, so its copy is compared chunk by chunk.
        rawDisk = data.resolve("scratch.raw");
        LibvirtLab.exec(List.of("qemu-img", "create", "-q", "-f", "raw", rawDisk.toString(), "8M"));
        domain = lab.define("web", false, 64, 64, "<disk type='file' device='disk'><driver name='qemu'"
                + " type='qcow2'/><source file='" + secondDisk + "'/><target dev='vdb' bus='virtio'/></disk>"
                + "<disk type='file' device='disk'><driver name='qemu' type='raw'/><source file='" + rawDisk
                + "'/><target dev='vdc' bus='virtio'/></disk>");
        lab.start(domain);
        String hostId = json().body(Map.of("name", lab.named("lv"), "type", "libvirt", "settings", Map.of("uri",
                        LibvirtLab.URI, "root", lab.root().resolve("host").toString(), "imageDir",
                        lab.root().resolve("images").toString(), "shutdownTimeoutMillis", "300")))
                .post("/api/hosts").then().statusCode(201).extract().path("id");
        vmId = json().queryParam("hostId", hostId).get("/api/vms").then().statusCode(200).extract().jsonPath()
                .getString("find { it.name == '" + domain.name() + "' }.id");
        assertThat(vmId).as("the domain is a VM of the host").isNotNull();
        repository = lab.root().resolve("repository");
        repositoryId = Api.createRepository(lab.named("repo"), repository);
    }

    @AfterAll
    void removeTheDomains() throws IOException {
        for (String copy : copies) {
            try {
                LibvirtLab.virsh("destroy", copy);
            } catch (IOException notRunning) {
                // a copy that did not start has nothing to destroy
            }
            LibvirtLab.virsh("undefine", copy);
        }
        if (domain != null) {
            for (String checkpoint : LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip().split("\\s+")) {
                if (!checkpoint.isBlank()) {
                    LibvirtLab.virsh("checkpoint-delete", domain.uuid(), checkpoint);
                }
            }
        }
        if (lab != null) {
            lab.close();
        }
    }

    @ParameterizedTest
    @CsvSource({"pause, crash", "save-state, saved-state", "stop, offline"})
    void backsUpInEveryModeAndLeavesTheDomainRunningWithNothingBehind(String mode, String consistency)
            throws IOException {
        LibvirtLab.write(domain, "vda", A, 0, 4 * MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", mode, "repositoryId", repositoryId)));

        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(run.getString("consistency")).isEqualTo(consistency);
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        Path point = repository.resolve(vmId).resolve(run.getString("restorePointId"));
        Manifest manifest = ManifestCodec.read(point.resolve("manifest.json"));
        assertThat(manifest.writer()).isEqualTo("libvirt");
        assertThat(manifest.snapshotFacts()).containsKeys("snapshot.id", "checkpoint");
        Path files = point.resolve("files");
        assertThat(Files.readString(files.resolve("domain.xml"))).as("the definition on the domain's own disks")
                .contains("<uuid>" + domain.uuid() + "</uuid>").contains(domain.disks().get(0).toString())
                .contains(rawDisk.toString()).doesNotContain(LibvirtSnapshotWriter.VIEWS_DIR);
        assertThat(files.resolve("vmstate.sav").toFile().exists()).isEqualTo(mode.equals("save-state"));
        QemuLab.check(files.resolve("vda/disk0.qcow2"));
        QemuLab.check(files.resolve("vdb/data.qcow2"));
        assertThat(QemuLab.holds(files.resolve("vda/disk0.qcow2"), A, 0, 4 * MIB)).isTrue();
        assertNothingLeftBehind();
    }

    /** The second point reads only what the guest wrote, by the checkpoint the first began; a repository on XFS shares the rest. */
    @Test
    void theNextPointReadsOnlyWhatTheDomainWrote() throws IOException {
        try (LoopFileSystem xfs = LoopFileSystem.create(LoopFileSystem.Type.XFS, 512 * MIB)) {
            Path repository = xfs.mountPoint().resolve("repository");
            String repositoryId = Api.createRepository(lab.named("xfs-" + UUID.randomUUID()), repository);
            LibvirtLab.write(domain, "vda", A, 0, 8 * MIB);
            JsonPath first = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
            assertThat(first.getString("status")).as(first.getString("error")).isEqualTo("SUCCEEDED");

            LibvirtLab.write(domain, "vda", B, 16 * MIB, MIB);
            LibvirtLab.write(domain, "vdb", B, 2 * MIB, MIB);
            LibvirtLab.write(domain, "vdc", B, MIB, MIB);
            JsonPath second = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
            assertThat(second.getString("status")).as(second.getString("error")).isEqualTo("SUCCEEDED");
            assertThat(second.getString("changeTracking")).as(second.getString("changeTrackingReason"))
                    .isEqualTo("bitmap");
            assertThat(second.getLong("bytesRead")).as("the dirty MiBs and the qcow2 metadata").isLessThan(8 * MIB);
            assertThat(second.getLong("bytesWritten")).isLessThan(8 * MIB);
            Path files = repository.resolve(vmId).resolve(second.getString("restorePointId")).resolve("files");
            QemuLab.check(files.resolve("vda/disk0.qcow2"));
            QemuLab.check(files.resolve("vdb/data.qcow2"));
            assertThat(QemuLab.holds(files.resolve("vda/disk0.qcow2"), A, 0, 8 * MIB)).isTrue();
            assertThat(QemuLab.holds(files.resolve("vda/disk0.qcow2"), B, 16 * MIB, MIB)).isTrue();
            assertThat(QemuLab.holds(files.resolve("vdb/data.qcow2"), B, 2 * MIB, MIB)).isTrue();
            assertThat(QemuLab.holds(files.resolve("vdc/scratch.raw"), "raw", B, MIB, MIB)).isTrue();
            assertNothingLeftBehind();
        }
    }

    @Test
    void restoresAsANewDomainThatRunsBesideTheOriginal() throws IOException {
        LibvirtLab.write(domain, "vda", A, 0, MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        LibvirtLab.write(domain, "vda", B, 0, MIB);

        String name = lab.named("web-copy");
        copies.add(name);
        String restoreId = json().body(Map.of("target", "new-vm", "name", name, "startAfter", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        JsonPath copy = json().get("/api/vms/{id}", restore.getString("newVmId")).then().statusCode(200)
                .extract().jsonPath();
        assertThat(copy.getString("name")).isEqualTo(name);
        assertThat(copy.getString("state")).isEqualTo("RUNNING");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        String definition = LibvirtLab.virsh("dumpxml", name);
        assertThat(definition).doesNotContain(domain.uuid()).doesNotContain(domain.disks().get(0).toString())
                .doesNotContain(secondDisk.toString()).doesNotContain(rawDisk.toString());
        Path disk = lab.root().resolve("images").resolve(name).resolve("vda/disk0.qcow2");
        assertThat(definition).contains(disk.toString());
        LibvirtLab.virsh("destroy", name);
        assertThat(QemuLab.holds(disk, A, 0, MIB)).as("the copy holds the disk of the snapshot instant").isTrue();
        assertThat(QemuLab.holds(domain.disks().get(0), B, 0, MIB)).as("the original keeps its later writes").isTrue();
    }

    /**
     * In place, each disk is swapped beside its own file (the disks share their folders with other files),
     * the point's definition becomes the domain's again, and the replaced disks are kept when asked.
     */
    @Test
    void restoresInPlaceDiskByDiskAndKeepsTheReplacedDisksWhenAsked() throws IOException {
        LibvirtLab.write(domain, "vda", A, 0, MIB);
        LibvirtLab.write(domain, "vdc", A, 0, MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "pause", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        LibvirtLab.write(domain, "vda", B, 0, MIB);
        LibvirtLab.write(domain, "vdc", B, 0, MIB);
        Path bystander = Files.writeString(domain.directory().resolve("notes.txt"), "not the domain's");

        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "startAfter", true,
                        "keepPrevious", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        assertThat(QemuLab.holds(domain.disks().get(0), A, 0, MIB)).as("the disk as it was at the snapshot").isTrue();
        assertThat(QemuLab.holds(rawDisk, "raw", A, 0, MIB)).isTrue();
        assertThat(bystander).hasContent("not the domain's");
        List<Path> kept;
        try (Stream<Path> entries = Files.list(domain.directory())) {
            List<String> names = entries.map(p -> p.getFileName().toString()).toList();
            assertThat(names).noneMatch(n -> n.startsWith(".") && n.contains("restore-"));
            kept = names.stream().filter(n -> n.startsWith("disk0.qcow2.before-restore-"))
                    .map(domain.directory()::resolve).toList();
        }
        assertThat(kept).as("the replaced disk, kept").singleElement()
                .satisfies(previous -> assertThat(QemuLab.holds(previous, B, 0, MIB)).isTrue());
        Files.delete(kept.get(0));
        try (Stream<Path> entries = Files.list(rawDisk.getParent())) {
            entries.filter(p -> p.getFileName().toString().startsWith("scratch.raw.before-restore-")).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
        }
        assertThat(LibvirtLab.virsh("dumpxml", "--inactive", domain.uuid())).contains(domain.disks().get(0).toString())
                .contains(rawDisk.toString()).doesNotContain(LibvirtSnapshotWriter.VIEWS_DIR);
    }

    @Test
    void aSaveStatePointRestoredInPlaceResumesTheDomain() throws IOException {
        LibvirtLab.write(domain, "vda", A, 4 * MIB, MIB);
        JsonPath run = awaitFinished("runs", backup(vmId, Map.of("mode", "save-state", "repositoryId", repositoryId)));
        assertThat(run.getString("status")).as(run.getString("error")).isEqualTo("SUCCEEDED");
        LibvirtLab.write(domain, "vda", B, 4 * MIB, MIB);

        String restoreId = json().body(Map.of("target", "original", "stopVm", true, "startAfter", true))
                .post("/api/restore-points/{id}/restore", run.getString("restorePointId"))
                .then().statusCode(202).extract().path("id");
        JsonPath restore = awaitFinished("restores", restoreId);

        assertThat(restore.getString("status")).as(restore.getString("error")).isEqualTo("SUCCEEDED");
        assertThat(Api.vmState(vmId)).isEqualTo("RUNNING");
        assertThat(QemuLab.holds(domain.disks().get(0), A, 4 * MIB, MIB)).isTrue();
        assertThat(LibvirtLab.virsh("domstate", domain.uuid(), "--reason")).as("resumed from the saved state")
                .contains("restored");
    }

    private void assertNothingLeftBehind() throws IOException {
        for (Path folder : List.of(domain.directory(), secondDisk.getParent(), lab.root().resolve("host"))) {
            try (Stream<Path> entries = Files.list(folder)) {
                assertThat(entries.map(p -> p.getFileName().toString()))
                        .doesNotContain(LibvirtSnapshotWriter.VIEWS_DIR);
            }
        }
        String live = LibvirtLab.virsh("domblklist", domain.uuid());
        assertThat(live).contains(domain.disks().get(0).toString()).contains(secondDisk.toString())
                .contains(rawDisk.toString()).doesNotContain("overlay");
        assertThat(LibvirtLab.virsh("checkpoint-list", domain.uuid(), "--name").strip().split("\\s+"))
                .as("one checkpoint of Stillpoint's: the one the next incremental needs").hasSize(1);
        assertThat(LibvirtLab.virsh("domjobinfo", domain.uuid())).contains("None");
    }
}
