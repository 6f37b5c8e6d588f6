import { get, post } from './client';
import type { components } from './schema';

export type Host = components['schemas']['HostResponse'];

export type GuestChange = components['schemas']['Change'];

/** What a refresh changed; with `error` set the host did not answer and nothing changed. */
export type HostRefresh = components['schemas']['HostRefreshResponse'];

export const listHosts = () => get<Host[]>('/api/hosts');
export const refreshHost = (id: string) => post<HostRefresh>(`/api/hosts/${id}/refresh`);

/** The refresh in a few words, for the operator who asked for it. */
export function refreshSummary(r: HostRefresh): string {
  if (r.error) {
    return `${r.hostName} did not answer; nothing changed: ${r.error}`;
  }
  const parts = [
    [r.added.length, 'new'],
    [r.vanished.length, 'vanished'],
    [r.returned.length, 'back'],
    [r.renamed.length, 'renamed'],
  ].filter(([count]) => count !== 0).map(([count, what]) => `${count} ${what}`);
  return `${r.hostName}: ${parts.length ? parts.join(', ') : 'no changes'}`;
}
