import { get, getPage, post } from './client';
import type { components, operations } from './schema';

export type RunStatus = components['schemas']['RunStatus'];

export type Run = components['schemas']['RunResponse'];

/** A run as lists show it: without phase timings and live progress details, which are on the run itself. */
export type RunSummary = components['schemas']['RunSummary'];

/** What the list of runs can be narrowed by: the query parameters of listRuns in the API document. */
export type RunFilter = NonNullable<operations['listRuns']['parameters']['query']>;

/** The newest page of runs (newest first), narrowed by the filter; its next link leads to older ones. */
export const listRuns = (filter: RunFilter = {}) => getPage<RunSummary>('/api/runs', { ...filter });
export const getRun = (id: string) => get<Run>(`/api/runs/${id}`);
export const cancelRun = (id: string) => post<Run>(`/api/runs/${id}/cancel`);
export const runEventsUrl = (id: string) => `/api/runs/${id}/events`;
