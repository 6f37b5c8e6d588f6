import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import type { Role } from '../api/session';
import { AuthContext } from '../auth/AuthContext';

export function renderAs(role: Role, ui: ReactElement) {
  return render(
    <AuthContext.Provider value={{ user: { username: `a-${role}`, role }, signOut: () => {} }}>{ui}</AuthContext.Provider>,
  );
}
