import { get, getPage, post } from './client';
import type { Progress } from './progress';

export type ChangeTracking = 'bitmap' | 'differencing' | 'compare' | 'none';

export type RunStatus = 'QUEUED' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELLED' | 'SKIPPED';

export interface Run {
  id: string;
  vmId: string;
  jobId: string | null;
  repositoryId: string | null;
  scheduledFor: string | null;
  status: RunStatus;
  phase: string | null;
  requestedMode: string | null;
  mode: string | null;
  writer: string | null;
  consistency: string | null;
  node: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  downtimeMillis: number | null;
  phaseMillis: Record<string, number> | null;
  bytesTotal: number;
  bytesCopied: number;
  filesTotal: number;
  filesCopied: number;
  restorePointId: string | null;
  error: string | null;
  progress: Progress | null;
  /** How the run knew what changed: null for runs made before incremental copies. */
  changeTracking: ChangeTracking | null;
  /** Why a better way of knowing what changed could not be used, or null. */
  changeTrackingReason: string | null;
  /** Bytes read from the snapshot; bytesCopied stays the logical size of the point. */
  bytesRead: number | null;
  /** New data physically written to the repository. */
  bytesWritten: number | null;
  /** Data taken over from the VM's previous point by block clone or hard link. */
  bytesShared: number | null;
}

/** A run as lists show it: without phase timings and live progress details, which are on the run itself. */
export type RunSummary = Omit<Run, 'phaseMillis' | 'progress' | 'writer'>;

export interface RunFilter {
  vmId?: string;
  jobId?: string;
  status?: RunStatus;
  limit?: number;
}

/** The newest page of runs (newest first), narrowed by the filter; its next link leads to older ones. */
export const listRuns = (filter: RunFilter = {}) => getPage<RunSummary>('/api/runs', { ...filter });
export const getRun = (id: string) => get<Run>(`/api/runs/${id}`);
export const cancelRun = (id: string) => post<Run>(`/api/runs/${id}/cancel`);
export const runEventsUrl = (id: string) => `/api/runs/${id}/events`;
