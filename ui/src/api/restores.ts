import { get, getPage } from './client';
import type { Progress } from './progress';

export interface Restore {
  id: string;
  restorePointId: string;
  vmId: string;
  target: string;
  targetPath: string | null;
  newVmName: string | null;
  newVmId: string | null;
  status: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  bytesTotal: number;
  bytesCopied: number;
  filesCopied: number;
  error: string | null;
  progress: Progress | null;
}

/** The newest page of restores (newest first); its next link leads to older ones. */
export const listRestores = (vmId?: string) => getPage<Restore>('/api/restores', { vmId });
export const getRestore = (id: string) => get<Restore>(`/api/restores/${id}`);
export const restoreEventsUrl = (id: string) => `/api/restores/${id}/events`;
