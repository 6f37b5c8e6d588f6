import { get } from './client';
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

export const getRestore = (id: string) => get<Restore>(`/api/restores/${id}`);
export const restoreEventsUrl = (id: string) => `/api/restores/${id}/events`;
