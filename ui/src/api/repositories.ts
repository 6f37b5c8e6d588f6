import { get } from './client';

export interface Repository {
  id: string;
  name: string;
  path: string;
  createdAt: string;
  totalBytes: number;
  usableBytes: number;
  /** Physical use of the repository's file system (blocks shared by points count once); -1 if unknown. */
  usedBytes: number;
  /** The sum of its restore points' sizes: what restoring each of them would write. */
  logicalBytes: number;
  restorePoints: number;
  /** Whether points share unchanged blocks by reflink; false: hard links; null until probed. */
  blockClone: boolean | null;
  blockCloneCheckedAt: string | null;
}

export interface UsageSample {
  sampledAt: string;
  /** null when the repository's file system could not be read at the time. */
  usedBytes: number | null;
  logicalBytes: number;
}

export const listRepositories = () => get<Repository[]>('/api/repositories');
/** The newest samples, oldest first. */
export const repositoryUsage = (id: string, limit?: number) =>
  get<UsageSample[]>(`/api/repositories/${id}/usage`, { limit });
