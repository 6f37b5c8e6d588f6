import { get } from './client';
import type { components } from './schema';

/** The dashboard's figures, counted by the server. */
export type Dashboard = components['schemas']['Dashboard'];

export const getDashboard = () => get<Dashboard>('/api/dashboard');
