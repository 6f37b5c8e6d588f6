import { del, get, post } from './client';
import type { components } from './schema';

/** An API token as listed: never its secret. */
export type Token = components['schemas']['TokenResponse'];

export type TokenRequest = components['schemas']['TokenRequest'];

/** The answer that makes a token, the only one with its secret. */
export type CreatedToken = components['schemas']['CreatedTokenResponse'];

/** The caller's tokens, or everyone's (admins). */
export const listTokens = (all: boolean) => get<Token[]>('/api/tokens', { all: all || undefined });
export const createToken = (token: TokenRequest) => post<CreatedToken>('/api/tokens', token);
export const revokeToken = (id: string) => del(`/api/tokens/${encodeURIComponent(id)}`);
