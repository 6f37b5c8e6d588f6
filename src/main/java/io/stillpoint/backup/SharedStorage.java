package io.stillpoint.backup;

import io.stillpoint.catalog.RestorePoint;

/**
 * What removing a restore point can give back, when points share unchanged data through the file system.
 *
 * <p>A point holds two kinds of data: what its run wrote ({@code bytesWritten}) and what it took over from
 * the point it was based on. While that older point exists the data taken over is not the removed point's
 * alone. Once it is gone, the data taken over is held alone only where the next point rewrote it, which is
 * at most what that next point wrote. Anything is at most the point's logical size.
 */
public final class SharedStorage {

    private SharedStorage() {}

    public static long freesAtMost(RestorePoint point) {
        if (point.bytesWritten == null) {
            return point.sizeBytes;
        }
        long bound = point.bytesWritten;
        boolean baseGone = point.basedOn != null && RestorePoint.byId(point.basedOn).isEmpty();
        if (baseGone) {
            bound += RestorePoint.basedOn(point.id)
                    .map(next -> next.bytesWritten == null ? point.sizeBytes : next.bytesWritten)
                    .orElse(point.sizeBytes);
        }
        return Math.min(bound, point.sizeBytes);
    }
}
