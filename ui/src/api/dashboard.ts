import { get } from './client';
import type { RunSummary } from './runs';

/** The dashboard's figures, counted by the server. */
export interface Dashboard {
  at: string;
  vms: number;
  /** VMs with a restore point from the last 24 hours. */
  protectedVms: number;
  /** Finished runs created in the last 24 hours, by status. */
  runsLastDay: Record<string, number>;
  activeRuns: RunSummary[];
}

export const getDashboard = () => get<Dashboard>('/api/dashboard');
