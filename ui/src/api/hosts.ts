import { get } from './client';

export interface Host {
  id: string;
  name: string;
  type: string;
}

export const listHosts = () => get<Host[]>('/api/hosts');
