import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import type { Role } from '../../api/session';
import { createUser, deleteUser, listUsers, updateUser, type User } from '../../api/users';
import { useAuth } from '../../auth/AuthContext';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { dateTime } from '../../format';
import { SignInLocks } from './SignInLocks';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

function UserForm({ user, onSaved }: { user?: User; onSaved: () => void }) {
  const [username, setUsername] = useState(user?.username ?? '');
  const [password, setPassword] = useState('');
  const [role, setRole] = useState<Role>(user?.role ?? 'viewer');
  const [failure, setFailure] = useState<ApiError>();
  const [done, setDone] = useState<string>();
  const prefix = user ? `edit-${user.username}` : 'new-user';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    setDone(undefined);
    try {
      if (user) {
        await updateUser(user.username, { username, role, password: password || undefined });
        setDone(`Saved ${username}.`);
      } else {
        await createUser({ username, password, role });
        setDone(`Created ${username}.`);
        setUsername('');
      }
      setPassword('');
      onSaved();
    } catch (e) {
      setFailure(e instanceof ApiError ? e : new ApiError(0, { detail: (e as Error).message }));
    }
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label={user ? `Edit ${user.username}` : 'New user'}>
      {!user && (
        <>
          <label htmlFor={`${prefix}-name`}>User name</label>
          <input id={`${prefix}-name`} value={username} onChange={(e) => setUsername(e.target.value)} required autoComplete="off" />
        </>
      )}
      <label htmlFor={`${prefix}-password`}>{user ? `New password for ${user.username}` : 'Password'}</label>
      <input id={`${prefix}-password`} type="password" value={password} onChange={(e) => setPassword(e.target.value)}
        required={!user} minLength={12} autoComplete="new-password" />
      <label htmlFor={`${prefix}-role`}>{user ? `Role of ${user.username}` : 'Role'}</label>
      <select id={`${prefix}-role`} value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      <button type="submit">{user ? 'Save' : 'Create user'}</button>
      <ErrorNote error={failure} />
      {done && <span role="status">{done}</span>}
    </form>
  );
}

export function UsersPage() {
  const users = useLoad(listUsers);
  const { user: me } = useAuth();
  const [error, setError] = useState<string>();
  const remove = (username: string) => {
    if (window.confirm(`Delete user ${username}?`)) {
      deleteUser(username).then(users.reload, (e: Error) => setError(e.message));
    }
  };
  return (
    <>
      <h1>Users</h1>
      <ErrorNote error={users.error ?? error} />
      <section className="card" aria-labelledby="new-user-title">
        <h2 id="new-user-title">New user</h2>
        <p className="muted">Passwords have at least 12 characters.</p>
        <UserForm onSaved={users.reload} />
      </section>
      <table>
        <caption>Users and their roles</caption>
        <thead><tr><th scope="col">User</th><th scope="col">Since</th><th scope="col">Role and password</th><th scope="col">Delete</th></tr></thead>
        <tbody>
          {(users.data ?? []).map((u) => (
            <tr key={u.username}>
              <th scope="row">{u.username}</th>
              <td>{dateTime(u.createdAt)}</td>
              <td><UserForm user={u} onSaved={users.reload} /></td>
              <td>
                <button type="button" disabled={u.username === me.username} onClick={() => remove(u.username)}
                  aria-label={`Delete ${u.username}`}>Delete</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <SignInLocks />
    </>
  );
}
