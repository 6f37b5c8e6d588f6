import { del, get, post, put } from './client';
import type { Run } from './runs';

export interface JobRequest {
  name: string;
  schedule: string;
  timeZone: string;
  vmIds: string[];
  /** A glob over whole VM names, case-sensitive: * any run of characters, ? one, [a-z] or [abc] one of, [!abc] none of. */
  vmNamePattern: string | null;
  mode: string;
  writer: string | null;
  repositoryId: string | null;
  retention: Record<string, number>;
  enabled: boolean;
  verifyAfter: boolean;
  /** Boot-test each new point after the run (in the background). */
  bootTestAfter?: boolean;
  maxParallel: number;
  minimumConsistency: string | null;
  /** At least every Nth point of a VM compares all data whatever was tracked (1..1000); null: never forced. */
  compareEvery: number | null;
}

export interface LastRun {
  vmId: string;
  vmName: string;
  runId: string | null;
  status: string | null;
  createdAt: string | null;
  error: string | null;
}

export interface Job extends JobRequest {
  id: string;
  /** Set on a job an upgrade disabled: the regular expression it used to pick VMs by, which has no glob equivalent. */
  legacyVmNameRegex: string | null;
  createdAt: string;
  updatedAt: string;
  nextFireTimes: string[];
  lastRuns: LastRun[];
}

export interface PrunePoint {
  restorePointId: string;
  createdAt: string;
  keep: boolean;
  keptBy: string[];
  /** For a point a dry run would remove: the most space removing it can give back (points share data). */
  freesAtMostBytes: number | null;
}

export interface PruneResult {
  vmId: string;
  vmName: string;
  dryRun: boolean;
  points: PrunePoint[];
}

export const listJobs = () => get<Job[]>('/api/jobs');
export const createJob = (job: JobRequest) => post<Job>('/api/jobs', job);
export const updateJob = (id: string, job: JobRequest) => put<Job>(`/api/jobs/${id}`, job);
export const deleteJob = (id: string) => del(`/api/jobs/${id}`);
export const setJobEnabled = (id: string, enabled: boolean) => post<Job>(`/api/jobs/${id}/${enabled ? 'enable' : 'disable'}`);
export const runJobNow = (id: string) => post<Run[]>(`/api/jobs/${id}/run`);
export const pruneDryRun = (id: string) => post<PruneResult[]>(`/api/jobs/${id}/prune`, undefined, { dryRun: true });
