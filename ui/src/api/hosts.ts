import { get, post } from './client';

export interface Host {
  id: string;
  name: string;
  type: string;
  /** When the host's guests were last listed into the catalog, and why that failed (null if it worked). */
  lastRefreshAt: string | null;
  lastRefreshError: string | null;
}

export interface GuestChange {
  vmId: string;
  ref: string;
  name: string;
  previousName: string | null;
}

/** What a refresh changed; with `error` set the host did not answer and nothing changed. */
export interface HostRefresh {
  hostId: string;
  hostName: string;
  refreshedAt: string;
  added: GuestChange[];
  vanished: GuestChange[];
  returned: GuestChange[];
  renamed: GuestChange[];
  error: string | null;
}

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
