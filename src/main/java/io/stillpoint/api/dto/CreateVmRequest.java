package io.stillpoint.api.dto;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * A guest to create on a simulated host. Sizes are logical: disks are sparse.
 *
 * @param name what Hyper-V would take as a VM's name; the host checks it ({@code host.GuestNames})
 */
// Named apart from createVm's request body, which is either this or a RegisterVmRequest: generators name that
// union after the operation, CreateVmRequest, and this one would be lost under the same name.
@Schema(name = "NewGuestRequest")
public record CreateVmRequest(
        @NotBlank String name,
        @NotNull @Positive @Max(value = 17592186044416L, message = "must be at most 16 TiB") Long diskSizeBytes,
        @NotNull @Positive @Max(value = 1099511627776L, message = "must be at most 1 TiB") Long memoryBytes,
        String guestOs,
        boolean canQuiesce) {}
