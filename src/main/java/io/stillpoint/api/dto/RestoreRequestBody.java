package io.stillpoint.api.dto;

import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * @param target {@code original} (in place), {@code path} or {@code new-vm}
 * @param path for {@code path}: an absolute directory under a restore root, not existing or empty
 * @param hostId for {@code new-vm}: the host to create the VM on (default: the original's)
 * @param name for {@code new-vm}: the new VM's name
 * @param startAfter for {@code original} and {@code new-vm}: start the VM once its files are back
 * @param stopVm for {@code original}: shut the VM down first instead of refusing a VM that is not OFF
 * @param keepPrevious for {@code original}: keep the replaced folder as {@code <name>.before-restore-<time>}
 * @param force restore even though the restore point's last verify failed
 */
@Schema(example = "{\"target\": \"original\", \"stopVm\": true, \"keepPrevious\": true, \"startAfter\": true}")
public record RestoreRequestBody(
        @Schema(enumeration = {"original", "path", "new-vm"}) String target,
        String path,
        UUID hostId,
        String name,
        boolean startAfter,
        boolean stopVm,
        boolean keepPrevious,
        boolean force) {}
