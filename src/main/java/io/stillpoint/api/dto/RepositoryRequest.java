package io.stillpoint.api.dto;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

@Schema(example = "{\"name\": \"backup-disk\", \"path\": \"/mnt/backup/stillpoint\"}")
public record RepositoryRequest(
        @NotBlank @Pattern(regexp = "[A-Za-z0-9][A-Za-z0-9._-]{0,62}", message = "must be 1-63 letters, digits, '.', '_' or '-'")
                String name,
        @NotBlank String path) {}
