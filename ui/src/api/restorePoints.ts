import { del, get, getPage, post, put } from './client';
import type { Restore } from './restores';
import type { components } from './schema';

export type RestorePoint = components['schemas']['RestorePointResponse'];

export type BootTestStatus = components['schemas']['BootTestResponse']['status'];

export type BootTest = components['schemas']['BootTestResponse'];

export type BootTestOptions = components['schemas']['BootTestRequest'];

export type UnprovenVm = components['schemas']['UnprovenVm'];

export type RestoreFile = components['schemas']['FileResponse'];

export type RestoreTarget = NonNullable<components['schemas']['RestoreRequestBody']['target']>;

export type RestoreRequest = components['schemas']['RestoreRequestBody'];

/**
 * A restore point as lists show it; its path, manifest digest, verify problems and boot test evidence are
 * on the point itself.
 */
export type RestorePointSummary = components['schemas']['RestorePointSummary'];

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
