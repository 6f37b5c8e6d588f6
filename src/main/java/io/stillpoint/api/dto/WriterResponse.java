package io.stillpoint.api.dto;

import io.stillpoint.writer.SnapshotWriter;
import io.stillpoint.writer.WriterAvailability;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** @param details facts such as the VSS writer id of the Hyper-V writer */
public record WriterResponse(
        String id,
        boolean available,
        @Schema(nullable = true) String reason,
        Map<String, String> details) {

    public static WriterResponse of(SnapshotWriter writer) {
        WriterAvailability a = writer.availability();
        return new WriterResponse(writer.kind(), a.available(), a.reason(), a.details());
    }
}
