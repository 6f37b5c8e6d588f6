import { del, get, post, put } from './client';
import type { Run } from './runs';
import type { components } from './schema';

/** A job as the console sends it: always with every field, so that a form leaves nothing to the server's defaults. */
export type JobRequest = Required<components['schemas']['JobRequest']>;

export type LastRun = components['schemas']['LastRun'];

export type Job = components['schemas']['JobResponse'];

export type PrunePoint = components['schemas']['Point'];

export type PruneResult = components['schemas']['PruneResponse'];

export const listJobs = () => get<Job[]>('/api/jobs');
export const createJob = (job: JobRequest) => post<Job>('/api/jobs', job);
export const updateJob = (id: string, job: JobRequest) => put<Job>(`/api/jobs/${id}`, job);
export const deleteJob = (id: string) => del(`/api/jobs/${id}`);
export const setJobEnabled = (id: string, enabled: boolean) => post<Job>(`/api/jobs/${id}/${enabled ? 'enable' : 'disable'}`);
export const runJobNow = (id: string) => post<Run[]>(`/api/jobs/${id}/run`);
export const pruneDryRun = (id: string) => post<PruneResult[]>(`/api/jobs/${id}/prune`, undefined, { dryRun: true });
