package io.stillpoint.api.dto;

import io.stillpoint.boottest.BootTest;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A restore point's boot test.
 *
 * @param status {@code RUNNING}, {@code PASSED}, {@code FAILED} or {@code CANCELLED}
 * @param at when it finished, or started while it runs
 * @param bootMillis from the sandbox's start to the proof that the guest was up; null unless passed
 * @param evidence what proved the guest up, or what failed
 * @param screenshotUrl the guest's screen at the end, a PNG; null when there is none
 * @param serialLogUrl what the guest printed on its serial console; null when there is none
 */
public record BootTestResponse(
        UUID id,
        UUID restorePointId,
        @Schema(enumeration = {BootTest.RUNNING, BootTest.PASSED, BootTest.FAILED, BootTest.CANCELLED}) String status,
        String kind,
        Instant startedAt,
        Instant at,
        @Schema(nullable = true) Long bootMillis,
        @Schema(nullable = true) String evidence,
        @Schema(nullable = true) String screenshotUrl,
        @Schema(nullable = true) String serialLogUrl,
        @Schema(nullable = true) List<String> checkCommand,
        @Schema(nullable = true) String serialPattern,
        int timeoutSeconds,
        @Schema(nullable = true) String requestedBy) {

    public static BootTestResponse of(BootTest t) {
        if (t == null) {
            return null;
        }
        String base = "/api/boot-tests/" + t.id;
        return new BootTestResponse(t.id, t.restorePointId, t.status, t.kind, t.startedAt,
                t.finishedAt != null ? t.finishedAt : t.startedAt, t.bootMillis, t.evidence,
                t.hasScreenshot ? base + "/screenshot.png" : null, t.hasSerialLog ? base + "/serial.log" : null,
                t.checkCommand, t.serialPattern, t.timeoutSeconds, t.requestedBy);
    }
}
