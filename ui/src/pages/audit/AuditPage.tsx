import { useState } from 'react';
import { listAudit } from '../../api/audit';
import { LoadOlder } from '../../components/LoadOlder';
import { ErrorNote } from '../../components/Status';
import { usePaged } from '../../components/usePaged';
import { dateTime } from '../../format';

export function AuditPage() {
  const audit = usePaged(() => listAudit(), [], 10000);
  const [filter, setFilter] = useState('');
  const needle = filter.trim().toLowerCase();
  const shown = (audit.items ?? []).filter((e) => !needle
    || [e.username, e.action, e.target, String(e.status)].some((v) => v?.toLowerCase().includes(needle)));
  return (
    <>
      <h1>Audit log</h1>
      <ErrorNote error={audit.error} />
      <div className="inline-form">
        <label htmlFor="audit-filter">Filter by user, action, target or status</label>
        <input id="audit-filter" value={filter} onChange={(e) => setFilter(e.target.value)} />
      </div>
      <table>
        <caption>{shown.length} changes, newest first</caption>
        <thead>
          <tr><th scope="col">When</th><th scope="col">User</th><th scope="col">Action</th><th scope="col">Target</th><th scope="col">Status</th></tr>
        </thead>
        <tbody>
          {shown.map((e) => (
            <tr key={e.id} className={e.status >= 400 ? 'stale' : undefined}>
              <td>{dateTime(e.at)}</td><td>{e.username}</td><td>{e.action}</td><td className="mono">{e.target}</td><td>{e.status}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadOlder list={audit} what="changes" />
    </>
  );
}
