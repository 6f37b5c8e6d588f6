package io.stillpoint.api.dto;

import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * What a guest file restore puts back and where.
 *
 * @param fs the file system, a device from {@code .../guest/filesystems}
 * @param paths the guest's files and folders to restore, absolute in that file system
 * @param target {@code path}, the only target: a new folder under the restore roots
 * @param path that folder; each chosen item lands in it under its own name
 * @param force read a point whose last verify failed
 */
@Schema(example = "{\"fs\": \"/dev/sda1\", \"paths\": [\"/etc/nginx\", \"/var/www/index.html\"], \"target\": \"path\", \"path\": \"/srv/restores/web01-files\"}")
public record GuestRestoreRequestBody(String fs, List<String> paths, String target, String path, boolean force) {}
