package io.stillpoint.copy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The {@link ContentDigest} of a file already on disk, for verification. Whole chunks inside holes are
 * not read: a VM disk of terabytes with little data verifies in the time its data takes to read.
 */
public final class FileDigests {

    private FileDigests() {}

    public static String of(Path file, CancellationSignal cancel) throws IOException {
        long size = Files.size(file);
        ContentDigest digest = new ContentDigest();
        ByteBuffer buffer = ByteBuffer.allocateDirect(ContentDigest.CHUNK);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ);
                DataExtents extents = new DataExtents(file, size)) {
            long position = 0;
            while (position < size) {
                cancel.throwIfCancelled();
                long chunkEnd = Math.min(position + ContentDigest.CHUNK, size);
                if (chunkEnd - position == ContentDigest.CHUNK && extents.nextData(position) >= chunkEnd) {
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
