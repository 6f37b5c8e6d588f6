import { get } from './client';

export interface Repository {
  id: string;
  name: string;
  path: string;
  createdAt: string;
  totalBytes: number;
  usableBytes: number;
}

export const listRepositories = () => get<Repository[]>('/api/repositories');
