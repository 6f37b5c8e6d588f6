import { get, getPage } from './client';
import type { components } from './schema';

export type Restore = components['schemas']['RestoreResponse'];

/** The newest page of restores (newest first); its next link leads to older ones. */
export const listRestores = (vmId?: string) => getPage<Restore>('/api/restores', { vmId });
export const getRestore = (id: string) => get<Restore>(`/api/restores/${id}`);
export const restoreEventsUrl = (id: string) => `/api/restores/${id}/events`;
