import { del, get, post, put } from './client';
import type { components } from './schema';

export type User = components['schemas']['UserResponse'];

export type UserRequest = components['schemas']['UserRequest'];

export const listUsers = () => get<User[]>('/api/users');
export const createUser = (user: UserRequest) => post<User>('/api/users', user);
export const updateUser = (username: string, user: UserRequest) => put<User>(`/api/users/${encodeURIComponent(username)}`, user);
export const deleteUser = (username: string) => del(`/api/users/${encodeURIComponent(username)}`);
