import { useState } from 'react';
import { listHosts } from '../../api/hosts';
import { getRestorePoint, listRestorePoints, setProtected, verify, type RestorePoint } from '../../api/restorePoints';
import { listVms } from '../../api/vms';
import { RequireRole } from '../../auth/AuthContext';
import { LoadOlder } from '../../components/LoadOlder';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { usePaged } from '../../components/usePaged';
import { bytes, dateTime } from '../../format';
import { trackingText, writtenText } from '../../incremental';
import { Link, navigate, useLocation } from '../../router';
import { BootTestSection } from './BootTestSection';
import { InstantRecoveryForm } from '../instant-recoveries/InstantRecoveriesPage';
import { FileBrowser } from './FileBrowser';
import { GuestFileBrowser } from './GuestFileBrowser';
import { PointTimeline } from './PointTimeline';
import { RestoreWizard } from './RestoreWizard';

export function PointDetails({ point, onChanged }: { point: RestorePoint; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  const act = (action: () => Promise<unknown>) => {
    setError(undefined);
    action().then(onChanged, (e: Error) => setError(e.message));
  };
  return (
    <>
      <dl className="facts">
        <dt>Taken</dt><dd>{dateTime(point.createdAt)}</dd>
        <dt>Mode</dt><dd>{point.mode}, {point.consistency} consistency, writer {point.writer}</dd>
        <dt>Size</dt><dd>{bytes(point.sizeBytes)} in {point.fileCount} files</dd>
        <dt>Written</dt>
        <dd>{writtenText(point.bytesWritten, point.sizeBytes)}
          {point.bytesShared != null && `; ${bytes(point.bytesShared)} shared with other points`}</dd>
        <dt>Change tracking</dt><dd>{trackingText(point.changeTracking)}</dd>
        <dt>Boot test</dt><dd>{point.bootTest?.status ?? 'never'}</dd>
        <dt>Verified</dt>
        <dd>{point.verifyStatus ?? 'never'}{point.verifiedAt ? ` at ${dateTime(point.verifiedAt)}` : ''}
          {point.verifyProblems && <span className="error"> {point.verifyProblems}</span>}</dd>
        <dt>Protected</dt><dd>{point.isProtected ? 'yes: never pruned or deleted' : 'no'}</dd>
        <dt>Run</dt><dd>{point.runId ? <Link to={`/runs/${point.runId}`}>Open the run</Link> : '—'}</dd>
      </dl>
      <ErrorNote error={error} />
      <RequireRole role="operator">
        <div className="actions">
          <button type="button" onClick={() => act(() => verify(point.id))}>Verify</button>
          <button type="button" onClick={() => act(() => setProtected(point.id, !point.isProtected))}>
            {point.isProtected ? 'Unprotect' : 'Protect'}
          </button>
        </div>
      </RequireRole>
    </>
  );
}

export function RestorePointsPage() {
  const { query } = useLocation();
  const vms = useLoad(listVms);
  const hosts = useLoad(listHosts);
  const vmId = query.get('vm') ?? vms.data?.[0]?.id ?? '';
  const points = usePaged(() => (vmId ? listRestorePoints(vmId) : Promise.resolve({ items: [] })), [vmId], 5000);
  const [restoring, setRestoring] = useState<string>();
  const [instant, setInstant] = useState<string>();
  const pointId = query.get('point') ?? points.items?.[0]?.id;
  // The list is lean; the selected point's details (verify problems, boot test evidence) come with the point.
  const selected = useLoad(() => (pointId ? getRestorePoint(pointId) : Promise.resolve(undefined)), [pointId], 5000);
  const point = selected.data?.id === pointId ? selected.data : undefined;
  const changed = () => {
    points.reload();
    selected.reload();
  };
  const vm = vms.data?.find((v) => v.id === vmId);
  const open = (vm: string, point?: string) => navigate(`/restore-points?vm=${vm}${point ? `&point=${point}` : ''}`);

  return (
    <>
      <h1>Restore points</h1>
      <ErrorNote error={points.error ?? selected.error} />
      <div className="inline-form">
        <label htmlFor="point-vm">VM</label>
        <select id="point-vm" value={vmId} onChange={(e) => open(e.target.value)}>
          {(vms.data ?? []).map((v) => <option key={v.id} value={v.id}>{v.name}</option>)}
        </select>
      </div>
      <PointTimeline points={[...(points.items ?? [])].reverse()} selected={pointId} onSelect={(id) => open(vmId, id)} />
      <LoadOlder list={points} what="restore points" />
      {point && (
        <section className="card" aria-labelledby="point-title">
          <h2 id="point-title">Restore point of {dateTime(point.createdAt)}</h2>
          <PointDetails point={point} onChanged={changed} />
          <RequireRole role="operator">
            {restoring !== point.id && (
              <button type="button" className="primary" onClick={() => setRestoring(point.id)}>Restore…</button>
            )}
            {instant !== point.id && (
              <button type="button" onClick={() => setInstant(point.id)}>Instant recovery…</button>
            )}
            {instant === point.id && <InstantRecoveryForm pointId={point.id} onClose={() => setInstant(undefined)} />}
          </RequireRole>
          {restoring === point.id && (
            <RestoreWizard point={point} vm={vm} hosts={hosts.data ?? []} onClose={() => setRestoring(undefined)} />
          )}
          <BootTestSection point={point} onChanged={changed} />
          <FileBrowser pointId={point.id} verifyFailed={point.verifyStatus === 'FAILED'} />
          <GuestFileBrowser key={point.id} pointId={point.id} verifyFailed={point.verifyStatus === 'FAILED'} />
        </section>
      )}
    </>
  );
}
