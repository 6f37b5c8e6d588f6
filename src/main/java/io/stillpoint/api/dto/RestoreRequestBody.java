package io.stillpoint.api.dto;

/**
 * @param target {@code original} (in place) or {@code path}
 * @param path for {@code path}: an absolute directory under a restore root, not existing or empty
 * @param startAfter for {@code original}: start the VM once its files are back
 * @param stopVm for {@code original}: shut the VM down first instead of refusing a VM that is not OFF
 */
public record RestoreRequestBody(String target, String path, boolean startAfter, boolean stopVm) {}
