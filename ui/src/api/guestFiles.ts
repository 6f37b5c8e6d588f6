import { get, post, withQuery } from './client';
import type { components } from './schema';

/** A file system on a restore point's disks; `problem` says why it cannot be opened. */
export type GuestFileSystem = components['schemas']['GuestFileSystem'];

export type GuestEntry = components['schemas']['GuestEntry'];

export type GuestListing = components['schemas']['GuestListing'];

/** The server's 202 while the point's appliance starts: ask again after `retryAfterSeconds`. */
export type Starting = components['schemas']['ApplianceStarting'];

export type GuestRestore = components['schemas']['GuestRestore'];

export function isStarting(value: unknown): value is Starting {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    && (value as { status?: unknown }).status === 'starting';
}

const base = (pointId: string) => `/api/restore-points/${pointId}/guest`;
const force = (value: boolean) => (value ? true : undefined);

export const listGuestFileSystems = (pointId: string, forced: boolean) =>
  get<GuestFileSystem[] | Starting>(`${base(pointId)}/filesystems`, { force: force(forced) });
export const listGuestFiles = (pointId: string, fs: string, path: string, limit: number, offset: number, forced: boolean) =>
  get<GuestListing | Starting>(`${base(pointId)}/files`, { fs, path, limit, offset, force: force(forced) });
export const guestFileUrl = (pointId: string, fs: string, path: string, forced: boolean) =>
  withQuery(`${base(pointId)}/file`, { fs, path, force: force(forced) });
export const guestArchiveUrl = (pointId: string, fs: string, path: string, forced: boolean) =>
  withQuery(`${base(pointId)}/archive`, { fs, path, force: force(forced) });
export const startGuestRestore = (pointId: string, fs: string, paths: string[], path: string, forced: boolean) =>
  post<GuestRestore>(`${base(pointId)}/restore`, { fs, paths, target: 'path', path, force: forced });
export const getGuestRestore = (id: string) => get<GuestRestore>(`/api/guest-restores/${id}`);
export const cancelGuestRestore = (id: string) => post<GuestRestore>(`/api/guest-restores/${id}/cancel`);

/** The guest path of `name` inside the folder `dir`. */
export const childPath = (dir: string, name: string) => (dir === '/' ? `/${name}` : `${dir}/${name}`);
