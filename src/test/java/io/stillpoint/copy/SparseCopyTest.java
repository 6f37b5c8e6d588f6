package io.stillpoint.copy;

import static io.stillpoint.copy.CopyFixtures.allocatedBytes;
import static io.stillpoint.copy.CopyFixtures.plainDigest;
import static io.stillpoint.copy.CopyFixtures.random;
import static io.stillpoint.copy.CopyFixtures.setSize;
import static io.stillpoint.copy.CopyFixtures.writeAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Content, holes, digest, throttling and cancellation of the file copy. */
class SparseCopyTest {

    static final int MiB = 1 << 20;

    @TempDir
    Path dir;

    Path src;
    Path dst;

    @BeforeEach
    void paths() throws IOException {
        src = Files.createDirectory(dir.resolve("src"));
        dst = dir.resolve("dst");
    }

    /** A file builder: writes (offset, length) data extents of random bytes, then sets the size. */
    interface Shape {
        void write(Path file) throws IOException;
    }

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("empty", (Shape) f -> Files.write(f, new byte[0])),
                Arguments.of("one byte", (Shape) f -> Files.write(f, new byte[] {42})),
                Arguments.of("chunk minus one", (Shape) f -> Files.write(f, random(MiB - 1, 1))),
                Arguments.of("exactly one chunk", (Shape) f -> Files.write(f, random(MiB, 2))),
                Arguments.of("chunk plus one", (Shape) f -> Files.write(f, random(MiB + 1, 3))),
                Arguments.of("dense odd size", (Shape) f -> Files.write(f, random(7 * MiB + 12345, 4))),
                Arguments.of("dense across a mapping window", (Shape) f ->
                        Files.write(f, random((int) SparseFileCopier.WINDOW + 3 * MiB + 77, 13))),
                Arguments.of("written zeros", (Shape) f -> Files.write(f, new byte[3 * MiB + 17])),
                Arguments.of("zeros then data", (Shape) f -> {
                    byte[] b = new byte[5 * MiB];
                    System.arraycopy(random(100, 5), 0, b, 4 * MiB + 3, 100);
                    Files.write(f, b);
                }),
                Arguments.of("only a hole", (Shape) f -> setSize(f, 9L * MiB + 511)),
                Arguments.of("unaligned extents", (Shape) f -> {
                    writeAt(f, MiB + MiB / 2, random(100_000, 6));       // inside chunk 1, not at its start
                    writeAt(f, 3L * MiB - 4096, random(8192, 7));        // straddles chunks 2 and 3
                    writeAt(f, 10L * MiB + 4096 * 3, random(2 * MiB + 5, 8)); // over several chunks
                    setSize(f, 20L * MiB + 333);                          // trailing hole, partial chunk
                }),
                Arguments.of("data at the very end", (Shape) f -> {
                    setSize(f, 6L * MiB);
                    writeAt(f, 6L * MiB - 10, random(10, 9));
                }),
                Arguments.of("data in the last partial chunk", (Shape) f -> {
                    writeAt(f, 0, random(4096, 10));
                    writeAt(f, 4L * MiB + 8192, random(4096, 11));
                    setSize(f, 4L * MiB + 500_000);
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("shapes")
    void digestEqualsThePlainDigestAndContentIsIdentical(String name, Shape shape) throws Exception {
        Path file = src.resolve("f");
        shape.write(file);

        CopyResult result = new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, new CancellationSignal());

        Path copy = dst.resolve("f");
        String plain = plainDigest(file);
        assertThat(result.entries().get(0).sha256()).isEqualTo(plain);
        assertThat(plainDigest(copy)).isEqualTo(plain);
        assertThat(Files.size(copy)).isEqualTo(Files.size(file));
        assertThat(Files.mismatch(file, copy)).isEqualTo(-1);
        assertThat(allocatedBytes(copy)).isLessThanOrEqualTo((long) (allocatedBytes(file) * 1.05) + 4096);
    }

    @Test
    void digestMatchesTheDocumentedShellRecipe() throws Exception {
        Path file = src.resolve("f");
        Files.write(file, random(2 * MiB + 1000, 12));

        CopyResult result = new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, new CancellationSignal());

        String shell = CopyFixtures.sh("sh", "-c",
                "split -b 1M --filter='sha256sum | head -c 64 | xxd -r -p' '" + file + "' | sha256sum").substring(0, 64);
        assertThat(result.entries().get(0).sha256()).isEqualTo(shell);
    }

    @Test
    void keepsTheHolesOfALargeSparseFile() throws Exception {
        Path file = src.resolve("disk.img");
        for (long at : new long[] {0, 17, 64, 65, 200, 255}) {
            writeAt(file, at * MiB, random(MiB, at));
        }
        setSize(file, 256L * MiB);

        long started = System.nanoTime();
        CopyResult result = new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, new CancellationSignal());
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        Path copy = dst.resolve("disk.img");
        assertThat(Files.size(copy)).isEqualTo(256L * MiB);
        assertThat(allocatedBytes(copy)).isLessThanOrEqualTo((long) (allocatedBytes(file) * 1.05));
        assertThat(result.entries().get(0).sha256()).isEqualTo(plainDigest(file));
        assertThat(Files.mismatch(file, copy)).isEqualTo(-1);
        assertThat(millis).as("holes are neither read nor hashed").isLessThan(5_000);
    }

    /** A mapping left to the garbage collector would keep a deleted snapshot's blocks allocated. */
    @Test
    void leavesNoMappingOfTheSourceBehind() throws Exception {
        Path file = src.resolve("view.qcow2");
        Files.write(file, random(3 * (int) SparseFileCopier.WINDOW / 2, 14));

        new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, new CancellationSignal());

        assertThat(Files.readAllLines(Path.of("/proc/self/maps"))).noneMatch(line -> line.endsWith(file.toString()));
    }

    @Test
    void writesNoBlocksForZeroChunksInsideData() throws Exception {
        Path file = src.resolve("zeros.img");
        Files.write(file, new byte[16 * MiB]);

        new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, new CancellationSignal());

        assertThat(allocatedBytes(file)).isGreaterThanOrEqualTo(16L * MiB);
        assertThat(allocatedBytes(dst.resolve("zeros.img"))).isZero();
        assertThat(Files.size(dst.resolve("zeros.img"))).isEqualTo(16L * MiB);
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void stopsPromptlyWhenCancelled() throws Exception {
        Files.write(src.resolve("big"), random(64 * MiB, 13));
        CancellationSignal cancel = new CancellationSignal();
        AtomicLong cancelledAt = new AtomicLong();
        CopyListener listener = new CopyListener() {
            @Override
            public void onProgress(CopyProgress progress) {
                if (progress.bytesDone() > 0 && cancelledAt.get() == 0) {
                    cancelledAt.set(System.nanoTime());
                    cancel.cancel("user asked");
                }
            }
        };
        // Throttled to 16 MiB/s the copy would take 4 s: cancellation must cut it short.
        TreeCopier copier = new TreeCopier(new CopyOptions(16L * MiB, true));

        assertThatThrownBy(() -> copier.copy(src, dst, listener, cancel))
                .isInstanceOf(CancellationException.class)
                .hasMessage("user asked");
        long stoppedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt.get());
        assertThat(cancelledAt.get()).isNotZero();
        assertThat(stoppedAfter).isLessThan(1_000);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void stopsPromptlyWhenCancelledUnthrottled() throws Exception {
        Path file = src.resolve("big");
        for (int i = 0; i < 8; i++) {
            writeAt(file, (long) i * 64 * MiB, random(64 * MiB, i));
        }
        CancellationSignal cancel = new CancellationSignal();
        AtomicLong cancelledAt = new AtomicLong();
        // Cancelled once the copy is under way, going by what it has written (64 of 512 MiB) rather than by a
        // guessed delay, which a quiet machine's copy outran.
        Thread canceller = new Thread(() -> {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(50);
            while (System.nanoTime() < deadline) {
                if (allocatedUnder(dst) >= 64L * MiB) {
                    cancelledAt.set(System.nanoTime());
                    cancel.cancel("stop now");
                    return;
                }
                LockSupport.parkNanos(100_000);
            }
        });
        canceller.start();

        assertThatThrownBy(() -> new TreeCopier(CopyOptions.defaults()).copy(src, dst, CopyListener.NONE, cancel))
                .isInstanceOf(CancellationException.class);
        long stoppedAfter = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - cancelledAt.get());
        canceller.join();
        assertThat(cancelledAt.get()).isNotZero();
        assertThat(stoppedAfter).isLessThan(1_000);
    }

    /** The bytes allocated to the files under {@code folder} so far; 0 when a file vanishes mid-walk. */
    private static long allocatedUnder(Path folder) {
        try (Stream<Path> entries = Files.walk(folder)) {
            long total = 0;
            for (Path entry : (Iterable<Path>) entries::iterator) {
                if (Files.isRegularFile(entry)) {
                    total += allocatedBytes(entry);
                }
            }
            return total;
        } catch (IOException | UncheckedIOException e) {
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }

    @Test
    void limitsTheBandwidth() throws Exception {
        Files.write(src.resolve("f"), random(12 * MiB, 14));

        long started = System.nanoTime();
        new TreeCopier(new CopyOptions(16L * MiB, false)).copy(src, dst, CopyListener.NONE, new CancellationSignal());
        double seconds = (System.nanoTime() - started) / 1e9;

        // 12 MiB at 16 MiB/s with a quarter second of burst: at least (12 - 4) / 16 = 0.5 s.
        assertThat(seconds).isGreaterThan(0.45);
    }

    @Test
    void reportsProgressWithTotals() throws Exception {
        for (int i = 0; i < 20; i++) {
            Files.write(src.resolve("f" + i), random(MiB / 2, i));
        }
        CopyFixtures.Recorder recorder = new CopyFixtures.Recorder();

        new TreeCopier(CopyOptions.defaults()).copy(src, dst, recorder, new CancellationSignal());

        CopyProgress last = recorder.progress.get(recorder.progress.size() - 1);
        assertThat(last.bytesDone()).isEqualTo(last.bytesTotal()).isEqualTo(10L * MiB);
        assertThat(last.filesDone()).isEqualTo(last.filesTotal()).isEqualTo(20);
        assertThat(last.bytesPerSecond()).isPositive();
        assertThat(recorder.progress).allSatisfy(p -> assertThat(p.bytesDone()).isLessThanOrEqualTo(p.bytesTotal()));
    }
}
