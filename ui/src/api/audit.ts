import { getPage } from './client';

export interface AuditEntry {
  id: string;
  at: string;
  username: string;
  action: string;
  target: string;
  status: number;
}

/** The newest page of the audit log; its next link leads to older entries. */
export const listAudit = (limit = 200) => getPage<AuditEntry>('/api/audit', { limit });
