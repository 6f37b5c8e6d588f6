import { del, getPage, post } from './client';
import type { components } from './schema';

export type InstantRecoveryState = components['schemas']['InstantRecoveryState'];

/** A VM running straight from a restore point, until its disks are moved to its host (finalize) or it is discarded. */
export type InstantRecovery = components['schemas']['InstantRecoveryResponse'];

export const listInstantRecoveries = () => getPage<InstantRecovery>('/api/instant-recoveries');
export const startInstantRecovery = (pointId: string, name: string, hostId?: string) =>
  post<InstantRecovery>(`/api/restore-points/${pointId}/instant-recovery`, hostId ? { name, hostId } : { name });
export const finalizeInstantRecovery = (id: string, path?: string) =>
  post<InstantRecovery>(`/api/instant-recoveries/${id}/finalize`, path ? { path } : {});
export const discardInstantRecovery = (id: string) => del(`/api/instant-recoveries/${id}`);
