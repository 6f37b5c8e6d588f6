import { del, get, getPage, post, put } from './client';
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
  /** The point's newest boot test; null if it has had none. */
  bootTest: BootTest | null;
}

export type BootTestStatus = 'RUNNING' | 'PASSED' | 'FAILED' | 'CANCELLED';

export interface BootTest {
  id: string;
  restorePointId: string;
  status: BootTestStatus;
  /** 'qemu' (a sandbox QEMU) or 'simulated'. */
  kind: string;
  startedAt: string;
  /** When it finished, or started while it runs. */
  at: string;
  /** From the sandbox's start to the proof that the guest was up; null unless passed. */
  bootMillis: number | null;
  evidence: string | null;
  screenshotUrl: string | null;
  serialLogUrl: string | null;
  checkCommand: string[] | null;
  serialPattern: string | null;
  timeoutSeconds: number;
  requestedBy: string | null;
}

export interface BootTestOptions {
  checkCommand?: string[];
  serialPattern?: string;
  timeoutSeconds?: number;
}

export interface UnprovenVm {
  vmId: string;
  vmName: string;
  restorePointId: string;
  pointCreatedAt: string;
  bootTestStatus: BootTestStatus | null;
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

/**
 * A restore point as lists show it; its path, manifest digest, verify problems and boot test evidence are
 * on the point itself.
 */
export type RestorePointSummary = Omit<RestorePoint, 'relativePath' | 'manifestSha256' | 'verifyProblems' | 'bootTest'> & {
  bootTestStatus: BootTestStatus | null;
};

/** The newest page of a VM's restore points (newest first); its next link leads to older ones. */
export const listRestorePoints = (vmId?: string) => getPage<RestorePointSummary>('/api/restore-points', { vmId });
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
export const startBootTest = (id: string, options: BootTestOptions = {}) =>
  post<BootTest>(`/api/restore-points/${id}/boot-test`, options);
export const cancelBootTest = (id: string) => del(`/api/restore-points/${id}/boot-test`);
export const listUnproven = () => get<UnprovenVm[]>('/api/boot-tests/unproven');
