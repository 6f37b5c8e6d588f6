import { useState } from 'react';
import {
  discardInstantRecovery, finalizeInstantRecovery, listInstantRecoveries, startInstantRecovery, type InstantRecovery,
} from '../../api/instantRecoveries';
import { RequireRole } from '../../auth/AuthContext';
import { ProgressBar } from '../../components/ProgressBar';
import { ErrorNote } from '../../components/Status';
import { LoadOlder } from '../../components/LoadOlder';
import { usePaged } from '../../components/usePaged';
import { dateTime } from '../../format';
import { Link, navigate } from '../../router';

/** What a recovery's state means for the admin, in a few words. */
export function stateText(r: InstantRecovery): string {
  switch (r.state) {
    case 'STARTING':
      return 'starting from the restore point';
    case 'RUNNING':
      return 'running from the restore point';
    case 'FINALIZING':
      return 'moving its disks to the host';
    case 'FINALIZED':
      return 'an ordinary VM of its host';
    case 'FAILED':
      return 'failed';
    case 'DISCARDED':
      return 'discarded';
  }
}

export function InstantRecoveryRow({ recovery, onChanged }: { recovery: InstantRecovery; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  const act = (action: () => Promise<unknown>) => {
    setError(undefined);
    action().then(onChanged, (e: Error) => setError(e.message));
  };
  const progress = recovery.progress
    ?? (recovery.bytesTotal ? { bytesDone: recovery.bytesMoved ?? 0, bytesTotal: recovery.bytesTotal, filesDone: 0,
      filesTotal: 0, currentFile: null, bytesPerSecond: 0, etaSeconds: null } : null);
  return (
    <tr>
      <td>{recovery.name}</td>
      <td>{recovery.state} <span className="muted">({stateText(recovery)})</span>
        {recovery.error && <div className="error">{recovery.error}</div>}
        <ErrorNote error={error} />
      </td>
      <td>
        {(recovery.state === 'FINALIZING' || recovery.state === 'FINALIZED') && (
          <ProgressBar label={`Disks of ${recovery.name}`} progress={progress} done={recovery.state === 'FINALIZED'} />
        )}
      </td>
      <td>{recovery.startedAt ? dateTime(recovery.startedAt) : '—'}</td>
      <td>{recovery.finishedAt ? dateTime(recovery.finishedAt) : '—'}</td>
      <td><Link to={`/restore-points?point=${recovery.restorePointId}`}>point</Link></td>
      <td>
        <RequireRole role="operator">
          {recovery.state === 'RUNNING' && (
            <div className="actions">
              <button type="button" onClick={() => act(() => finalizeInstantRecovery(recovery.id))}>Finalize</button>
              <button type="button" onClick={() => act(() => discardInstantRecovery(recovery.id))}>Discard</button>
            </div>
          )}
        </RequireRole>
      </td>
    </tr>
  );
}

export function InstantRecoveriesPage() {
  const recoveries = usePaged(listInstantRecoveries, [], 2000);
  return (
    <>
      <h1>Instant recoveries</h1>
      <p>VMs running straight from a restore point. Finalize moves a VM&apos;s disks to its host while it runs;
        discard stops it and throws its changes away. Its restore point is kept while it runs from it.</p>
      <ErrorNote error={recoveries.error} />
      <table>
        <thead>
          <tr><th>VM</th><th>State</th><th>Progress</th><th>Started</th><th>Finished</th><th>From</th><th /></tr>
        </thead>
        <tbody>
          {(recoveries.items ?? []).map((r) => (
            <InstantRecoveryRow key={r.id} recovery={r} onChanged={recoveries.reload} />
          ))}
        </tbody>
      </table>
      <LoadOlder list={recoveries} what="instant recoveries" />
    </>
  );
}

/** On a restore point's page: runs the point's VM as a new VM at once. */
export function InstantRecoveryForm({ pointId, onClose }: { pointId: string; onClose: () => void }) {
  const [name, setName] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const start = () => {
    setError(undefined);
    setBusy(true);
    startInstantRecovery(pointId, name.trim()).then(
      () => navigate('/instant-recoveries'),
      (e: Error) => {
        setError(e.message);
        setBusy(false);
      },
    );
  };
  return (
    <form className="inline-form" onSubmit={(e) => { e.preventDefault(); start(); }}>
      <label htmlFor="instant-name">New VM name</label>
      <input id="instant-name" value={name} onChange={(e) => setName(e.target.value)} required />
      <button type="submit" className="primary" disabled={busy || !name.trim()}>Start from this point</button>
      <button type="button" onClick={onClose}>Cancel</button>
      <ErrorNote error={error} />
    </form>
  );
}
