import { del, getPage, post } from './client';
import type { Progress } from './progress';

export type InstantRecoveryState = 'STARTING' | 'RUNNING' | 'FINALIZING' | 'FINALIZED' | 'FAILED' | 'DISCARDED';

/** A VM running straight from a restore point, until its disks are moved to its host (finalize) or it is discarded. */
export interface InstantRecovery {
  id: string;
  restorePointId: string;
  hostId: string;
  name: string;
  vmId: string | null;
  state: InstantRecoveryState;
  error: string | null;
  finalizePath: string | null;
  requestedBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finalizeStartedAt: string | null;
  finishedAt: string | null;
  bytesTotal: number | null;
  bytesMoved: number | null;
  progress: Progress | null;
}

export const listInstantRecoveries = () => getPage<InstantRecovery>('/api/instant-recoveries');
export const startInstantRecovery = (pointId: string, name: string, hostId?: string) =>
  post<InstantRecovery>(`/api/restore-points/${pointId}/instant-recovery`, hostId ? { name, hostId } : { name });
export const finalizeInstantRecovery = (id: string, path?: string) =>
  post<InstantRecovery>(`/api/instant-recoveries/${id}/finalize`, path ? { path } : {});
export const discardInstantRecovery = (id: string) => del(`/api/instant-recoveries/${id}`);
