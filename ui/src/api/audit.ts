import { getPage } from './client';
import type { components } from './schema';

export type AuditEntry = components['schemas']['AuditEntry'];

/** The newest page of the audit log; its next link leads to older entries. */
export const listAudit = (limit = 200) => getPage<AuditEntry>('/api/audit', { limit });
