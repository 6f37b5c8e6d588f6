import { del, get, post, put } from './client';
import type { Role } from './session';

export interface User {
  username: string;
  role: Role;
  createdAt: string;
}

export interface UserRequest {
  username: string;
  password?: string;
  role: Role;
}

export const listUsers = () => get<User[]>('/api/users');
export const createUser = (user: UserRequest) => post<User>('/api/users', user);
export const updateUser = (username: string, user: UserRequest) => put<User>(`/api/users/${encodeURIComponent(username)}`, user);
export const deleteUser = (username: string) => del(`/api/users/${encodeURIComponent(username)}`);
