import { get } from './client';

export interface AuditEntry {
  id: string;
  at: string;
  username: string;
  action: string;
  target: string;
  status: number;
}

export const listAudit = (limit = 500) => get<AuditEntry[]>('/api/audit', { limit });
