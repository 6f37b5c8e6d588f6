import { del, get, post, put } from './client';
import type { components } from './schema';

export type ChannelType = components['schemas']['ChannelResponse']['type'];
export type Severity = components['schemas']['EventTypeResponse']['severity'];
export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
export type EmailSecurity = NonNullable<components['schemas']['ChannelSettings']['security']>;

export type Rule = components['schemas']['ChannelRule'];

export type EmailSettings = components['schemas']['ChannelSettings'];

export type Attempt = components['schemas']['AttemptResponse'];

export type Channel = components['schemas']['ChannelResponse'];

export type ChannelRequest = components['schemas']['ChannelSpec'];

export type AlertEvent = components['schemas']['AlertEventResponse'];

export type EventType = components['schemas']['EventTypeResponse'];

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
