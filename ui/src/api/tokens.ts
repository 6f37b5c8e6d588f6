import { del, get, post } from './client';
import type { Role } from './session';

/** An API token as listed: never its secret. */
export interface Token {
  id: string;
  username: string;
  name: string;
  role: Role;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface TokenRequest {
  name: string;
  role: Role;
  expiresAt?: string;
}

/** The answer that makes a token, the only one with its secret. */
export interface CreatedToken extends Omit<Token, 'lastUsedAt'> {
  secret: string;
}

/** The caller's tokens, or everyone's (admins). */
export const listTokens = (all: boolean) => get<Token[]>('/api/tokens', { all: all || undefined });
export const createToken = (token: TokenRequest) => post<CreatedToken>('/api/tokens', token);
export const revokeToken = (id: string) => del(`/api/tokens/${encodeURIComponent(id)}`);
