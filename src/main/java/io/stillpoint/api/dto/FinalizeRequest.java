package io.stillpoint.api.dto;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * {@code POST /api/instant-recoveries/{id}/finalize}.
 *
 * @param path the folder for the VM's moved disks, under a restore root, new or empty; by default the VM's
 *     own folder on its host
 * @param bandwidthLimit bytes per second each disk is copied at most, to spare the host's storage; none by
 *     default
 */
@Schema(example = "{\"bandwidthLimit\": 52428800}")
public record FinalizeRequest(String path, Long bandwidthLimit) {}
