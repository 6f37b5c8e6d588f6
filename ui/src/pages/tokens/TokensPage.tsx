import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import type { Role } from '../../api/session';
import { createToken, listTokens, revokeToken, type CreatedToken } from '../../api/tokens';
import { allows, useAuth } from '../../auth/AuthContext';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { dateTime } from '../../format';

const ROLES: Role[] = ['viewer', 'operator', 'admin'];

/** The end of the chosen day in the browser's time zone, as the server takes it (ISO-8601). */
function endOfDay(date: string): string {
  return new Date(`${date}T23:59:59`).toISOString();
}

function TokenForm({ onCreated }: { onCreated: (token: CreatedToken) => void }) {
  const { user } = useAuth();
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [expires, setExpires] = useState('');
  const [failure, setFailure] = useState<ApiError>();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(undefined);
    try {
      onCreated(await createToken({ name, role, expiresAt: expires ? endOfDay(expires) : undefined }));
      setName('');
      setExpires('');
    } catch (e) {
      setFailure(e instanceof ApiError ? e : new ApiError(0, { detail: (e as Error).message }));
    }
  };

  const fieldError = (field: string) => {
    const message = failure?.fieldMessage(field);
    return message ? <span className="error">{message}</span> : null;
  };

  return (
    <form className="inline-form" onSubmit={submit} aria-label="New API token">
      <label htmlFor="token-name">Name</label>
      <input id="token-name" value={name} onChange={(e) => setName(e.target.value)} required maxLength={100}
        placeholder="nightly-report" autoComplete="off" />
      {fieldError('name')}
      <label htmlFor="token-role">Role</label>
      <select id="token-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
        {ROLES.filter((r) => allows(user.role, r)).map((r) => <option key={r} value={r}>{r}</option>)}
      </select>
      {fieldError('role')}
      <label htmlFor="token-expires">Expires (empty: never)</label>
      <input id="token-expires" type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      {fieldError('expiresAt')}
      <button type="submit">Create token</button>
      {failure && !failure.problem.errors?.length && <ErrorNote error={failure} />}
    </form>
  );
}

/** The new token's secret, shown this once, with a button that copies it. */
function NewSecret({ token, onDone }: { token: CreatedToken; onDone: () => void }) {
  const [copied, setCopied] = useState<string>();
  const copy = () => {
    // The clipboard is only there for secure pages (HTTPS, or localhost); elsewhere the text stays to select.
    if (!navigator.clipboard) {
      setCopied('Select the token and copy it by hand: this page may not write the clipboard.');
      return;
    }
    navigator.clipboard.writeText(token.secret).then(() => setCopied('Copied.'),
      () => setCopied('Select the token and copy it by hand: the browser refused the clipboard.'));
  };
  return (
    <section className="card" role="status" aria-labelledby="token-secret-title">
      <h2 id="token-secret-title">Token {token.name}</h2>
      <p>Copy it now: it is shown only this once, and the server keeps no copy it could show again. Send it as
        <code> Authorization: Bearer …</code>.</p>
      <p><code data-testid="token-secret">{token.secret}</code></p>
      <button type="button" onClick={copy}>Copy</button>
      <button type="button" onClick={onDone}>I have copied it</button>
      {copied && <p className="muted">{copied}</p>}
    </section>
  );
}

export function TokensPage() {
  const { user } = useAuth();
  const admin = allows(user.role, 'admin');
  const tokens = useLoad(() => listTokens(admin), [admin]);
  const [created, setCreated] = useState<CreatedToken>();
  const [error, setError] = useState<string>();

  const revoke = (id: string, label: string) => {
    if (window.confirm(`Revoke ${label}? Clients using it are refused at once.`)) {
      setError(undefined);
      revokeToken(id).then(tokens.reload, (e: Error) => setError(e.message));
    }
  };

  return (
    <>
      <h1>API tokens</h1>
      <p className="muted">Scripts and tools sign in with a token instead of a password. A token acts as its user, with
        the role it was given, never more than the user's own.</p>
      <ErrorNote error={tokens.error ?? error} />
      {created && <NewSecret token={created} onDone={() => setCreated(undefined)} />}
      <section className="card" aria-labelledby="new-token-title">
        <h2 id="new-token-title">New token</h2>
        <TokenForm onCreated={(token) => {
          setCreated(token);
          tokens.reload();
        }} />
      </section>
      <table>
        <caption>{admin ? 'Every user\'s tokens' : 'Your tokens'}</caption>
        <thead>
          <tr>
            {admin && <th scope="col">User</th>}
            <th scope="col">Name</th><th scope="col">Role</th><th scope="col">Created</th><th scope="col">Expires</th>
            <th scope="col">Last used</th><th scope="col">Revoke</th>
          </tr>
        </thead>
        <tbody>
          {(tokens.data ?? []).map((t) => {
            const label = `${t.name} of ${t.username}`;
            return (
              <tr key={t.id}>
                {admin && <td>{t.username}</td>}
                <th scope="row">{t.name}</th>
                <td>{t.role}</td>
                <td>{dateTime(t.createdAt)}</td>
                <td>{t.expiresAt ? dateTime(t.expiresAt) : 'never'}</td>
                <td>{t.lastUsedAt ? dateTime(t.lastUsedAt) : 'never'}</td>
                <td><button type="button" onClick={() => revoke(t.id, label)} aria-label={`Revoke ${label}`}>Revoke</button></td>
              </tr>
            );
          })}
          {tokens.data?.length === 0 && <tr><td colSpan={admin ? 7 : 6}>No tokens yet.</td></tr>}
        </tbody>
      </table>
    </>
  );
}
