import { get, post, postForm } from './client';

export type Role = 'admin' | 'operator' | 'viewer';

export interface Me {
  username: string;
  role: Role;
}

export const me = () => get<Me>('/api/me');

/** True when the server took the credentials. */
export async function signIn(username: string, password: string): Promise<boolean> {
  const status = await postForm('/j_security_check', { j_username: username, j_password: password });
  return status >= 200 && status < 300;
}

export const signOut = () => post<void>('/api/session/logout');
