import { createContext, useContext, type ReactNode } from 'react';
import type { Me, Role } from '../api/session';

export interface Auth {
  user: Me;
  signOut: () => void;
}

export const AuthContext = createContext<Auth | null>(null);

export function useAuth(): Auth {
  const auth = useContext(AuthContext);
  if (!auth) {
    throw new Error('useAuth outside a signed-in console');
  }
  return auth;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** Whether `role` may do what `needed` may: admins everything, operators what operators and viewers may. */
export function allows(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

export function useCan(needed: Role): boolean {
  return allows(useAuth().user.role, needed);
}

/** Renders its children only for users with at least the `role` given. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  return useCan(role) ? <>{children}</> : null;
}
