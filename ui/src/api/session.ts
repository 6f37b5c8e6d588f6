import { get, post, postForm } from './client';
import type { components, operations } from './schema';

export type Role = components['schemas']['UserResponse']['role'];

export type Me = operations['getCurrentUser']['responses'][200]['content']['application/json'];

export const me = () => get<Me>('/api/me');

/** `signedIn`, `refused` (wrong name or password), or how many seconds to wait after too many failures. */
export type SignInResult = { outcome: 'signedIn' } | { outcome: 'refused' } | { outcome: 'throttled'; retryAfterSeconds: number };

export async function signIn(username: string, password: string): Promise<SignInResult> {
  const response = await postForm('/j_security_check', { j_username: username, j_password: password });
  if (response.status === 429) {
    return { outcome: 'throttled', retryAfterSeconds: Number(response.headers.get('Retry-After') ?? 60) };
  }
  return response.ok ? { outcome: 'signedIn' } : { outcome: 'refused' };
}

/** Ends every console session of the user on the server (not only this browser's cookie). */
export const signOut = () => post<void>('/api/session/logout');
