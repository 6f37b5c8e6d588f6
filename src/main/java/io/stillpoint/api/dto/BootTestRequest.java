package io.stillpoint.api.dto;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * Options of one boot test; each left out is as {@code stillpoint.boot-test.*} configures it.
 *
 * @param checkCommand a program and its arguments that must exit 0 inside the guest (through its agent)
 * @param serialPattern a regular expression whose match on the serial console proves the guest up
 * @param timeoutSeconds at most {@code stillpoint.boot-test.timeout}
 */
@Schema(example = "{\"checkCommand\": [\"systemctl\", \"is-active\", \"postgresql\"], \"timeoutSeconds\": 300}")
public record BootTestRequest(List<String> checkCommand, String serialPattern, Integer timeoutSeconds) {}
