import { del, get, post, put } from './client';

export type ChannelType = 'email' | 'webhook';
export type Severity = 'info' | 'warning' | 'critical';
export const SEVERITIES: Severity[] = ['info', 'warning', 'critical'];
export type EmailSecurity = 'starttls' | 'tls' | 'none';

export interface Rule {
  /** Event types; empty for every type. */
  types: string[];
  minSeverity: Severity;
}

export interface EmailSettings {
  host: string;
  port?: number;
  security: EmailSecurity;
  username?: string | null;
  from: string;
  to: string[];
  trustedCertificate?: string | null;
}

export interface Attempt {
  id: string;
  deliveryId: string | null;
  at: string;
  durationMillis: number;
  ok: boolean;
  statusCode: number | null;
  answer: string | null;
  events: number;
}

export interface Channel {
  id: string;
  name: string;
  type: ChannelType;
  enabled: boolean;
  email?: EmailSettings;
  webhook?: { url: string };
  secretSet: boolean;
  rules: Rule[];
  createdAt: string;
  updatedAt: string;
  lastAttempt?: Attempt;
  /** A webhook's signing secret: only in the answer that created or rotated it. */
  secret?: string;
}

export interface ChannelRequest {
  name: string;
  type: ChannelType;
  enabled: boolean;
  email?: EmailSettings & { password?: string };
  webhook?: { url: string };
  rules: Rule[];
}

export interface AlertEvent {
  id: string;
  type: string;
  severity: Severity;
  at: string;
  summary: string;
  link: string;
  scope: string;
}

export interface EventType {
  id: string;
  severity: Severity;
  description: string;
}

const base = '/api/notifications';
export const listChannels = () => get<Channel[]>(`${base}/channels`);
export const createChannel = (channel: ChannelRequest) => post<Channel>(`${base}/channels`, channel);
export const updateChannel = (id: string, channel: ChannelRequest) => put<Channel>(`${base}/channels/${id}`, channel);
export const deleteChannel = (id: string) => del(`${base}/channels/${id}`);
export const rotateSecret = (id: string) => post<Channel>(`${base}/channels/${id}/secret`);
export const sendTest = (id: string) => post<Attempt>(`${base}/channels/${id}/test`);
export const listAttempts = (id: string, limit = 20) => get<Attempt[]>(`${base}/channels/${id}/attempts`, { limit });
export const listEvents = (limit = 50) => get<AlertEvent[]>(`${base}/events`, { limit });
export const listEventTypes = () => get<EventType[]>(`${base}/event-types`);
