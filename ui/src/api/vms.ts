import { get, post } from './client';
import type { Run } from './runs';

export interface Vm {
  id: string;
  name: string;
  hostId: string;
  ref: string;
  state: string;
  stateError: string | null;
  canQuiesce: boolean;
  memoryBytes: number;
  guestOs: string | null;
  directory: string | null;
  disks: string[];
  lastRestorePointAt: string | null;
  /** False once a refresh found the VM gone from its host; its restore points stay. */
  present: boolean;
  vanishedAt: string | null;
  /** Why Stillpoint cannot back the VM up (a disk it cannot snapshot); null when it can. */
  backupBlockedReason?: string | null;
  /** What the VM's quiescing depends on (a libvirt domain's agent channel and agent); null when nothing. */
  quiesceNote?: string | null;
  /** Whether the VM's vm-unprotected alert is raised. */
  unprotected?: boolean;
  /** When the host last told the VM's state (the list shows what it told within a few seconds). */
  stateObservedAt?: string | null;
  /** True when the host could not be asked now and the state is not current. */
  stateStale?: boolean;
}

export const BACKUP_MODES = ['auto', 'online', 'pause', 'save-state', 'stop'] as const;
export type BackupMode = (typeof BACKUP_MODES)[number];

export const listVms = () => get<Vm[]>('/api/vms');
export const backUpNow = (id: string, mode: BackupMode) => post<Run>(`/api/vms/${id}/backup`, { mode });
