package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@link ContentDigest} of a file already on disk, for verification. Where the system can find
 * holes, whole chunks inside them are not read: a VM disk of terabytes with little data verifies in the time its data takes to read.
 */
public final class FileDigests {

    private FileDigests() {}

    public static String of(Path file, CancellationSignal cancel) throws IOException {
        return of(file, cancel, file.getFileSystem().supportedFileAttributeViews().contains("unix"));
    }

    /** @param seekData whether holes can be found with {@code SEEK_DATA}; never on Windows, which has no libc */
    static String of(Path file, CancellationSignal cancel, boolean seekData) throws IOException {
        long size = Files.size(file);
        ContentDigest digest = new ContentDigest();
        ByteBuffer buffer = ByteBuffer.allocateDirect(ContentDigest.CHUNK);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                DataExtents extents = seekData ? new DataExtents(file, size) : null) {
            if (seekData) {
                // A verify reads committed points, whose inodes other points may share: see NoAtime.
                NoAtime.apply(in);
            }
            long position = 0;
            while (position < size) {
                cancel.throwIfCancelled();
                long chunkEnd = Math.min(position + ContentDigest.CHUNK, size);
                if (extents != null && chunkEnd - position == ContentDigest.CHUNK
                        && extents.nextData(position) >= chunkEnd) {
                    digest.updateZeroChunks(1);
                } else {
                    buffer.clear().limit((int) (chunkEnd - position));
                    while (buffer.hasRemaining()) {
                        if (in.read(buffer, position + buffer.position()) < 0) {
                            throw new CopyException(file, "changed size while it was read", null);
                        }
                    }
                    buffer.flip();
                    digest.update(buffer);
                }
                position = chunkEnd;
            }
        }
        return digest.hex();
    }
}
