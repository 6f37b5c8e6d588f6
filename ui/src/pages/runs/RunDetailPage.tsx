import { useState } from 'react';
import { cancelRun, getRun } from '../../api/runs';
import { listFiles } from '../../api/restorePoints';
import { listVms } from '../../api/vms';
import { RequireRole } from '../../auth/AuthContext';
import { RunProgress } from '../../components/RunProgress';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { bytes, dateTime, duration } from '../../format';
import { trackingText } from '../../incremental';
import { Link } from '../../router';
import { PhaseTimeline } from './PhaseTimeline';
import { plainOutcome } from './plainError';

const FILES_SHOWN = 200;

export function RunDetailPage({ id }: { id: string }) {
  const run = useLoad(() => getRun(id), [id]);
  const vms = useLoad(listVms);
  const pointId = run.data?.restorePointId;
  const files = useLoad(() => (pointId ? listFiles(pointId, '', FILES_SHOWN, 0) : Promise.resolve([])), [pointId]);
  const [error, setError] = useState<string>();
  if (!run.data) {
    return <><h1>Run</h1><ErrorNote error={run.error} /></>;
  }
  const r = run.data;
  const vmName = vms.data?.find((vm) => vm.id === r.vmId)?.name ?? r.vmId;
  return (
    <>
      <h1>Run of {vmName}</h1>
      <p className={`outcome-line status-${r.status.toLowerCase()}`}>{plainOutcome(r)}</p>
      {r.error && (
        <section aria-labelledby="error-title">
          <h2 id="error-title">What went wrong</h2>
          <p className="error">{r.error}</p>
        </section>
      )}
      <ErrorNote error={error} />
      {!r.finishedAt && (
        <>
          <RunProgress run={r} label={`Backup of ${vmName}`} onFinished={run.reload} />
          <RequireRole role="operator">
            <button type="button" onClick={() => cancelRun(r.id).then(run.reload, (e) => setError(e.message))}>Cancel run</button>
          </RequireRole>
        </>
      )}
      <dl className="facts">
        <dt>Status</dt><dd>{r.status}</dd>
        <dt>Mode</dt><dd>{r.mode ?? '—'} (asked: {r.requestedMode ?? '—'})</dd>
        <dt>Consistency</dt><dd>{r.consistency ?? '—'}</dd>
        <dt>Writer</dt><dd>{r.writer ?? '—'}</dd>
        <dt>Started by</dt><dd>{r.jobId ? 'a job' : 'a person'}{r.scheduledFor ? `, scheduled for ${dateTime(r.scheduledFor)}` : ''}</dd>
        <dt>Node</dt><dd>{r.node ?? '—'}</dd>
        <dt>Created</dt><dd>{dateTime(r.createdAt)}</dd>
        <dt>Finished</dt><dd>{dateTime(r.finishedAt)}</dd>
        <dt>Guest downtime</dt><dd>{duration(r.downtimeMillis)}</dd>
        <dt>Copied</dt><dd>{bytes(r.bytesCopied)} of {bytes(r.bytesTotal)}, {r.filesCopied} of {r.filesTotal} files</dd>
        <dt>Change tracking</dt>
        <dd>{trackingText(r.changeTracking)}{r.changeTrackingReason && <span className="muted"> ({r.changeTrackingReason})</span>}</dd>
        <dt>Read, written, shared</dt>
        <dd>
          {r.bytesWritten == null && r.bytesRead == null
            ? '—'
            : `read ${bytes(r.bytesRead)}, wrote ${bytes(r.bytesWritten)}, shared ${bytes(r.bytesShared)} with the previous point, of ${bytes(r.bytesCopied)}`}
        </dd>
        <dt>Restore point</dt>
        <dd>{r.restorePointId ? <Link to={`/restore-points?vm=${r.vmId}&point=${r.restorePointId}`}>Open restore point</Link> : 'none'}</dd>
      </dl>
      <section aria-labelledby="phases-title">
        <h2 id="phases-title">Phase timeline</h2>
        <PhaseTimeline phaseMillis={r.phaseMillis} downtimeMillis={r.downtimeMillis} />
      </section>
      {pointId && (
        <section aria-labelledby="files-title">
          <h2 id="files-title">Files copied</h2>
          <table>
            <caption>The restore point's manifest: each file with its size and content digest{files.data?.length === FILES_SHOWN ? ` (first ${FILES_SHOWN})` : ''}</caption>
            <thead><tr><th scope="col">Path</th><th scope="col">Type</th><th scope="col">Size</th><th scope="col">Digest</th></tr></thead>
            <tbody>
              {(files.data ?? []).map((f) => (
                <tr key={f.path}><td>{f.path}</td><td>{f.type.toLowerCase()}</td><td>{bytes(f.size)}</td><td className="mono" title={f.digestAlgorithm ?? undefined}>{f.digest?.slice(0, 16) ?? ''}</td></tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </>
  );
}
