import { get, post } from './client';
import type { Run } from './runs';
import type { components } from './schema';

export type Vm = components['schemas']['VmResponse'];

export type BackupMode = NonNullable<components['schemas']['BackupRequestBody']['mode']>;
/** The modes in the order the console offers them; the server's document says which exist. */
export const BACKUP_MODES: readonly BackupMode[] = ['auto', 'online', 'pause', 'save-state', 'stop'];

export const listVms = () => get<Vm[]>('/api/vms');
export const backUpNow = (id: string, mode: BackupMode) => post<Run>(`/api/vms/${id}/backup`, { mode });
