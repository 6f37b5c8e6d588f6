import { useState } from 'react';
import { liftSignInHold, listSignInHolds, type SignInHold } from '../../api/signInLocks';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { dateTime } from '../../format';

const REFRESH_MS = 15_000;

/**
 * User names and addresses that failed sign-ins hold back, so that an admin can let a locked-out colleague
 * in without waiting for the window to pass; refreshed while open, as the holds expire by themselves.
 */
export function SignInLocks() {
  const holds = useLoad(listSignInHolds, [], REFRESH_MS);
  const [error, setError] = useState<Error>();
  const lift = (hold: SignInHold) => {
    if (window.confirm(`Lift the sign-in hold on ${hold.kind} ${hold.name}?`)) {
      setError(undefined);
      liftSignInHold(hold).then(holds.reload, (e: Error) => setError(e));
    }
  };
  const rows = holds.data ?? [];
  return (
    <section className="card" aria-labelledby="sign-in-locks-title">
      <h2 id="sign-in-locks-title">Failed sign-ins</h2>
      <p className="muted">
        Each failed sign-in doubles the wait before the next try of that user name or address; enough of them lock it
        until the window passes. Lifting forgets its failures.
      </p>
      <ErrorNote error={holds.error ?? error} />
      {holds.data && rows.length === 0 && <p role="status">No failed sign-ins.</p>}
      {rows.length > 0 && (
        <table>
          <caption>User names and addresses with failed sign-ins</caption>
          <thead><tr><th scope="col">Who</th><th scope="col">Kind</th><th scope="col">Failures</th><th scope="col">Refused until</th><th scope="col">Lift</th></tr></thead>
          <tbody>
            {rows.map((hold) => (
              <tr key={`${hold.kind}:${hold.name}`}>
                <th scope="row">{hold.name}</th>
                <td>{hold.kind}</td>
                <td>{hold.failures}</td>
                <td>{hold.until ? dateTime(hold.until) : 'not refused now'}</td>
                <td>
                  <button type="button" onClick={() => lift(hold)} aria-label={`Lift ${hold.kind} ${hold.name}`}>Lift</button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
