package io.stillpoint.repository;

import static org.assertj.core.api.Assertions.assertThat;

import io.stillpoint.copy.AccessEntry;
import io.stillpoint.copy.CopiedEntry;
import io.stillpoint.copy.EntryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Manifests on disk outlive the code that wrote them: old ones must read, new fields must round-trip. */
class ManifestCodecTest {

    @TempDir
    Path dir;

    /** As the first format wrote it, before Windows attributes were recorded. */
    static final String BEFORE_WINDOWS = """
            {
              "format" : 1,
              "restorePointId" : "5f0c6d1e-8a43-4a3e-9d4e-0b6a2f6f4c11",
              "vm" : { "id" : "1b3c0a8e-2f7d-4e55-a1a6-7d8e9f0a1b2c", "name" : "web01", "ref" : "web01",
                       "hostName" : "lab", "hostType" : "simulated", "guestOs" : "linux",
                       "memoryBytes" : 1073741824, "canQuiesce" : false },
              "snapshotAt" : "2026-01-02T03:04:05.678Z",
              "mode" : "save-state",
              "consistency" : "saved-state",
              "writer" : "simulated",
              "digestAlgorithm" : "sha256-chunked-1MiB",
              "snapshotFacts" : { },
              "totalBytes" : 5,
              "fileCount" : 1,
              "entries" : [ {
                "path" : "files/disk.vhdx",
                "type" : "FILE",
                "size" : 5,
                "sha256" : "abc",
                "linkTarget" : null,
                "mode" : "0640",
                "owner" : "root",
                "group" : "root",
                "modified" : "2026-01-02T03:00:00Z",
                "accessed" : "2026-01-02T03:01:00Z"
              } ]
            }
            """;

    @Test
    void readsAManifestWrittenBeforeWindowsAttributes() throws Exception {
        Path file = Files.writeString(dir.resolve("manifest.json"), BEFORE_WINDOWS);

        Manifest manifest = ManifestCodec.read(file);

        ManifestEntry entry = manifest.entries().get(0);
        assertThat(entry.mode()).isEqualTo("0640");
        assertThat(entry.modified()).isEqualTo(Instant.parse("2026-01-02T03:00:00Z"));
        assertThat(entry.created()).isNull();
        assertThat(entry.dos()).isNull();
        assertThat(entry.acl()).isNull();
    }

    @Test
    void aLinuxEntryIsWrittenAsBefore() throws Exception {
        CopiedEntry copied = new CopiedEntry("disk.vhdx", EntryType.FILE, 5, "abc", null, 0640, "root", "root",
                Instant.parse("2026-01-02T03:00:00Z"), Instant.parse("2026-01-02T03:01:00Z"), null, null, null);

        String json = json(ManifestEntry.of("files/", copied));

        assertThat(json).contains("\"mode\" : \"0640\"").doesNotContain("created", "dos", "acl");
    }

    @Test
    void aWindowsEntryKeepsCreationTimeDosFlagsAndAcl() throws Exception {
        List<AccessEntry> acl = List.of(
                new AccessEntry("ALLOW", "BUILTIN\\Administrators", true, List.of("READ_DATA", "WRITE_DATA"),
                        List.of("FILE_INHERIT")),
                new AccessEntry("DENY", "S-1-5-21-1-2-3-1001", false, List.of("DELETE"), List.of()));
        CopiedEntry copied = new CopiedEntry("Virtual Machines/vm.vmcx", EntryType.FILE, 5, "abc", null, null,
                "BUILTIN\\Administrators", null, Instant.parse("2026-01-02T03:00:00Z"),
                Instant.parse("2026-01-02T03:01:00Z"), Instant.parse("2025-06-01T08:00:00Z"), "RA", acl);
        Manifest written = manifest(ManifestEntry.of("files/", copied));
        Path file = dir.resolve("manifest.json");
        Files.write(file, ManifestCodec.encode(written));

        ManifestEntry read = ManifestCodec.read(file).entries().get(0);

        assertThat(read.mode()).isNull();
        assertThat(read.created()).isEqualTo(Instant.parse("2025-06-01T08:00:00Z"));
        assertThat(read.dos()).isEqualTo("RA");
        assertThat(read.acl()).isEqualTo(acl);
        assertThat(read).isEqualTo(written.entries().get(0));
    }

    private static String json(ManifestEntry entry) {
        return new String(ManifestCodec.encode(manifest(entry)), StandardCharsets.UTF_8);
    }

    private static Manifest manifest(ManifestEntry entry) {
        return new Manifest(Manifest.FORMAT, UUID.randomUUID(),
                new ManifestVm(UUID.randomUUID(), "web01", "web01", "hv01", "hyperv", "windows", 1L << 30, true),
                Instant.parse("2026-01-02T03:04:05Z"), "online", "application", "hyperv-vss",
                "sha256-chunked-1MiB", Map.of(), 5, 1, List.of(entry));
    }
}
