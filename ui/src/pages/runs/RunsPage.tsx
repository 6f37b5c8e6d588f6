import { useState } from 'react';
import { listRuns, type RunStatus } from '../../api/runs';
import { listVms } from '../../api/vms';
import { LoadOlder } from '../../components/LoadOlder';
import { ErrorNote, Status } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { usePaged } from '../../components/usePaged';
import { bytes, dateTime, duration } from '../../format';
import { Link } from '../../router';

const STATUSES: RunStatus[] = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'];

export function RunsPage() {
  const [vmId, setVmId] = useState('');
  const [status, setStatus] = useState('');
  const [origin, setOrigin] = useState('');
  const vms = useLoad(listVms);
  // VM and status are filtered by the server, page by page; the origin only among the runs loaded.
  const runs = usePaged(() => listRuns({ vmId: vmId || undefined, status: (status || undefined) as RunStatus | undefined }),
    [vmId, status], 5000);
  const vmName = (id: string) => vms.data?.find((vm) => vm.id === id)?.name ?? id;
  const shown = (runs.items ?? []).filter((r) => !origin || (origin === 'job') === (r.jobId != null));

  return (
    <>
      <h1>Runs</h1>
      <ErrorNote error={runs.error} />
      <form className="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter runs">
        <label htmlFor="filter-vm">VM</label>
        <select id="filter-vm" value={vmId} onChange={(e) => setVmId(e.target.value)}>
          <option value="">all</option>
          {(vms.data ?? []).map((vm) => <option key={vm.id} value={vm.id}>{vm.name}</option>)}
        </select>
        <label htmlFor="filter-status">Status</label>
        <select id="filter-status" value={status} onChange={(e) => setStatus(e.target.value)}>
          <option value="">all</option>
          {STATUSES.map((s) => <option key={s} value={s}>{s.toLowerCase()}</option>)}
        </select>
        <label htmlFor="filter-origin">Started by</label>
        <select id="filter-origin" value={origin} onChange={(e) => setOrigin(e.target.value)}>
          <option value="">anyone</option>
          <option value="job">a job</option>
          <option value="manual">a person</option>
        </select>
      </form>
      <table>
        <caption>{shown.length} runs, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Started</th>
            <th scope="col">VM</th>
            <th scope="col">Status</th>
            <th scope="col">Mode</th>
            <th scope="col">Downtime</th>
            <th scope="col">Duration</th>
            <th scope="col">Change tracking</th>
            <th scope="col">Size</th>
            <th scope="col">Read</th>
            <th scope="col">Written</th>
            <th scope="col">Shared</th>
            <th scope="col">Error</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((run) => (
            <tr key={run.id}>
              <td><Link to={`/runs/${run.id}`} aria-label={`Run of ${vmName(run.vmId)} at ${dateTime(run.createdAt)}`}>{dateTime(run.createdAt)}</Link></td>
              <td>{vmName(run.vmId)}</td>
              <td><Status value={run.status} /></td>
              <td>{run.mode ?? run.requestedMode}</td>
              <td>{duration(run.downtimeMillis)}</td>
              <td>{run.startedAt && run.finishedAt ? duration(Date.parse(run.finishedAt) - Date.parse(run.startedAt)) : '—'}</td>
              <td>
                {run.changeTracking ?? '—'}
                {run.changeTrackingReason && <span className="muted"> ({run.changeTrackingReason})</span>}
              </td>
              <td>{bytes(run.bytesTotal)}</td>
              <td>{bytes(run.bytesRead)}</td>
              <td>{bytes(run.bytesWritten)}</td>
              <td>{bytes(run.bytesShared)}</td>
              <td className="error-cell">{run.error ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <LoadOlder list={runs} what="runs" />
    </>
  );
}
