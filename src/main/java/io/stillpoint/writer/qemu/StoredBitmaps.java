package io.stillpoint.writer.qemu;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.stillpoint.fs.TrustedExecutables;
import io.stillpoint.fs.UntrustedExecutableException;
import io.stillpoint.writer.ChangedRanges;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Reads a persistent dirty bitmap that QEMU has stored in a qcow2 file, without QEMU's monitor: {@code
 * qemu-nbd} exports the file read-only with the bitmap, {@code qemu-img map} lists its dirty ranges, and
 * {@link DirtyRanges} turns them into the file's bytes that may have changed. QEMU stores a file's bitmaps
 * when it stops writing to it, as when an external snapshot makes it a read-only backing file; while QEMU
 * writes to it, the stored copy is stale and flagged {@code in-use}, and is then refused.
 */
public final class StoredBitmaps {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration SERVER_START = Duration.ofSeconds(20);

    private final TrustedExecutables qemuImg;
    private final TrustedExecutables qemuNbd;

    /** @param qemuImg and {@code qemuNbd}: the configured programs, vetted each time they are about to run */
    public StoredBitmaps(TrustedExecutables qemuImg, TrustedExecutables qemuNbd) {
        this.qemuImg = qemuImg;
        this.qemuNbd = qemuNbd;
    }

    /**
     * Why {@code bitmap} of {@code qcow2} cannot be read as it stands, or empty when it can: missing, still
     * in use by a writer (its stored copy is stale), or inconsistent (QEMU stopped without storing it).
     */
    public Optional<String> unreadable(Path qcow2, String bitmap) throws IOException {
        JsonNode info = JSON.readTree(Processes.run(List.of(vet(qemuImg), "info", "-U", "--output=json",
                qcow2.toString()), 60));
        for (JsonNode stored : info.path("format-specific").path("data").path("bitmaps")) {
            if (!stored.path("name").asText().equals(bitmap)) {
                continue;
            }
            for (JsonNode flag : stored.path("flags")) {
                if (flag.asText().equals("in-use")) {
                    return Optional.of("bitmap " + bitmap + " of " + qcow2.getFileName()
                            + " is in use: QEMU still writes to the disk or stopped without storing it");
                }
            }
            return Optional.empty();
        }
        return Optional.of("bitmap " + bitmap + " is not in " + qcow2.getFileName());
    }

    /**
     * The bytes of {@code qcow2} that may differ from a copy of it taken when {@code bitmap} started.
     *
     * @param workDir a private folder of the run, where the NBD socket goes for as long as the reading
     */
    public ChangedRanges changed(Path qcow2, String bitmap, Path workDir) throws IOException {
        NbdSocket socket = NbdSocket.in(workDir);
        // The file may be open read-only in QEMU, as a backing file: share it, and never write.
        Process server = new ProcessBuilder(vet(qemuNbd), "--read-only", "--persistent", "--socket="
                + socket.path(), "--bitmap=" + bitmap, "--image-opts", "driver=qcow2,read-only=on,force-share=on,"
                + "file.driver=file,file.filename=" + qcow2.toString().replace(",", ",,"))
                .redirectErrorStream(true).start();
        try {
            awaitSocket(server, socket.path());
            String dirty = Processes.runForJson(List.of(vet(qemuImg), "map", "--output=json", "--image-opts",
                    "driver=nbd,server.type=unix,server.path=" + socket.relative()
                            + ",x-dirty-bitmap=qemu:dirty-bitmap:" + bitmap), 600, socket.directory());
            String mapped = Processes.runForJson(List.of(vet(qemuImg), "map", "-U", "--output=json", "-f", "qcow2",
                    qcow2.toString()), 600, null);
            return DirtyRanges.of(JSON.readTree(dirty), JSON.readTree(mapped), Files.size(qcow2));
        } finally {
            server.destroy();
            try {
                if (!server.waitFor(10, TimeUnit.SECONDS)) {
                    server.destroyForcibly();
                }
            } catch (InterruptedException e) {
                server.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            socket.delete();
        }
    }

    private static void awaitSocket(Process server, Path socket) throws IOException {
        Instant deadline = Instant.now().plus(SERVER_START);
        while (!Files.exists(socket)) {
            if (!server.isAlive()) {
                // It said why on its way out, in a few lines that fit the pipe.
                throw new IOException("qemu-nbd exited " + server.exitValue() + " before it listened on " + socket
                        + ": " + new String(server.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim());
            }
            if (Instant.now().isAfter(deadline)) {
                throw new IOException("qemu-nbd did not listen on " + socket + " within " + SERVER_START.toSeconds()
                        + " s");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while qemu-nbd started", e);
            }
        }
    }

    private static String vet(TrustedExecutables program) throws IOException {
        try {
            return program.vet(program.allowed().get(0)).toString();
        } catch (UntrustedExecutableException e) {
            throw new IOException(e.getMessage(), e);
        }
    }
}
