package io.stillpoint.backup;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.stillpoint.catalog.RunCopyLog;
import io.stillpoint.copy.SkippedEntry;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.zip.GZIPOutputStream;

/**
 * Collects xcopy's {@code /F} record of a run in a gzipped file beside the run's scratch files while
 * the copy goes, and stores it with the run in one statement at the end: the copy's hot path only
 * appends a line.
 */
final class CopyLog implements AutoCloseable {

    private final Path file;
    private final BufferedWriter out;
    private long entries;

    CopyLog(Path workDir) throws IOException {
        this.file = workDir.resolve("copy-log.gz");
        this.out = new BufferedWriter(new OutputStreamWriter(new GZIPOutputStream(Files.newOutputStream(file)),
                StandardCharsets.UTF_8));
    }

    synchronized void copied(Path source, Path target) {
        write(escape(source.toString()) + " -> " + escape(target.toString()));
    }

    synchronized void skipped(SkippedEntry skipped) {
        write("skipped " + escape(skipped.path()) + ": " + skipped.reason());
    }

    private void write(String line) {
        try {
            out.write(line);
            out.write('\n');
            entries++;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the copy log could not be written", e);
        }
    }

    /** Names may hold newlines; the log keeps one entry per line. */
    private static String escape(String name) {
        return name.replace("\\", "\\\\").replace("\n", "\\n");
    }

    /** Stores what was recorded with the run, whatever the run's outcome. */
    void store(UUID runId) throws IOException {
        close();
        byte[] log = Files.readAllBytes(file);
        long count = entries;
        QuarkusTransaction.requiringNew().run(() -> {
            RunCopyLog row = new RunCopyLog();
            row.runId = runId;
            row.entries = count;
            row.log = log;
            row.persist();
        });
    }

    @Override
    public synchronized void close() throws IOException {
        out.close();
    }
}
