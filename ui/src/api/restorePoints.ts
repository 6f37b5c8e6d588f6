import { get, post, put } from './client';
import type { Restore } from './restores';
import type { ChangeTracking } from './runs';

export interface RestorePoint {
  id: string;
  vmId: string;
  vmName: string | null;
  runId: string | null;
  createdAt: string;
  mode: string;
  consistency: string;
  writer: string;
  repositoryId: string;
  relativePath: string;
  sizeBytes: number;
  fileCount: number;
  manifestSha256: string;
  isProtected: boolean;
  verifiedAt: string | null;
  verifyStatus: string | null;
  verifyProblems: string | null;
  changeTracking: ChangeTracking | null;
  /** New data this point added to the repository; null for points made before incremental copies (full copies). */
  bytesWritten: number | null;
  /** What this point shares with other points through the file system. */
  bytesShared: number | null;
}

export interface RestoreFile {
  path: string;
  type: string;
  size: number;
  /** A file's content digest in digestAlgorithm (null for folders and links). */
  digest: string | null;
  /** e.g. sha256-chunked-1MiB: SHA-256 over the SHA-256 of each 1 MiB chunk, not what sha256sum prints. */
  digestAlgorithm: string | null;
  mode: string | null;
  owner: string | null;
  group: string | null;
  modified: string | null;
  linkTarget: string | null;
}

export type RestoreTarget = 'original' | 'path' | 'new-vm';

export interface RestoreRequest {
  target: RestoreTarget;
  path?: string;
  hostId?: string;
  name?: string;
  startAfter: boolean;
  stopVm: boolean;
  keepPrevious: boolean;
  force: boolean;
}

export const listRestorePoints = (vmId?: string) => get<RestorePoint[]>('/api/restore-points', { vmId });
export const getRestorePoint = (id: string) => get<RestorePoint>(`/api/restore-points/${id}`);
export const listFiles = (id: string, prefix: string, limit: number, offset: number) =>
  get<RestoreFile[]>(`/api/restore-points/${id}/files`, { prefix, limit, offset });
/** With force, a file of a restore point whose verify failed: the server refuses it otherwise. */
export const fileUrl = (id: string, path: string, force = false) =>
  `/api/restore-points/${id}/files/${path.split('/').map(encodeURIComponent).join('/')}${force ? '?force=true' : ''}`;
export const verify = (id: string) => post<RestorePoint>(`/api/restore-points/${id}/verify`);
export const setProtected = (id: string, value: boolean) =>
  put<RestorePoint>(`/api/restore-points/${id}/protected`, { protected: value });
export const startRestore = (id: string, body: RestoreRequest) => post<Restore>(`/api/restore-points/${id}/restore`, body);
