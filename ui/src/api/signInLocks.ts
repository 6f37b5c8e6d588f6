import { del, get } from './client';
import type { components } from './schema';

/** A user name or address with failed sign-ins in the server's window; `until` is set while it is refused. */
export type SignInHold = components['schemas']['Hold'];

export const listSignInHolds = () => get<SignInHold[]>('/api/sign-in/locks');
export const liftSignInHold = (hold: SignInHold) =>
  del(`/api/sign-in/locks/${hold.kind === 'user' ? 'users' : 'addresses'}/${encodeURIComponent(hold.name)}`);
