import { get } from './client';
import type { components } from './schema';

export type Repository = components['schemas']['RepositoryResponse'];

export type UsageSample = components['schemas']['RepositoryUsageResponse'];

export const listRepositories = () => get<Repository[]>('/api/repositories');
/** The newest samples, oldest first. */
export const repositoryUsage = (id: string, limit?: number) =>
  get<UsageSample[]>(`/api/repositories/${id}/usage`, { limit });
