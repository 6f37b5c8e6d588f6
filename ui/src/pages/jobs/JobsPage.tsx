import { useState } from 'react';
import { deleteJob, listJobs, pruneDryRun, runJobNow, setJobEnabled, type Job, type PruneResult } from '../../api/jobs';
import { listRepositories } from '../../api/repositories';
import type { Run } from '../../api/runs';
import { listVms } from '../../api/vms';
import { RequireRole } from '../../auth/AuthContext';
import { RunProgress } from '../../components/RunProgress';
import { ErrorNote, Status } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { bytes, dateTime } from '../../format';
import { Link } from '../../router';
import { JobForm } from './JobForm';

export function PruneTable({ results }: { results: PruneResult[] }) {
  return (
    <section className="card" aria-labelledby="prune-title">
      <h2 id="prune-title">Prune dry run: what retention would keep and remove</h2>
      <p className="muted">
        Points share what did not change, so removing one frees at most what it alone holds, often much less
        than its size.
      </p>
      {results.length === 0 && <p className="muted">The job covers no VM.</p>}
      {results.map((vm) => (
        <table key={vm.vmId}>
          <caption>{vm.vmName}: keeps {vm.kept}, removes {vm.removed}</caption>
          <thead>
            <tr>
              <th scope="col">Restore point</th><th scope="col">Outcome</th><th scope="col">Kept by</th>
              <th scope="col">Frees at most</th>
            </tr>
          </thead>
          <tbody>
            {vm.points.length === 0 && <tr><td colSpan={4}>no restore points</td></tr>}
            {vm.points.map((p) => (
              <tr key={p.restorePointId}>
                <td>{dateTime(p.createdAt)}</td>
                <td>{p.keep ? 'keep' : 'remove'}</td>
                <td>{p.keptBy.join(', ') || '—'}</td>
                <td>{p.keep ? '—' : bytes(p.freesAtMostBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ))}
    </section>
  );
}

export function JobsPage() {
  const jobs = useLoad(listJobs);
  const vms = useLoad(listVms);
  const repositories = useLoad(listRepositories);
  const [editing, setEditing] = useState<Job | 'new'>();
  const [started, setStarted] = useState<{ job: string; runs: Run[] }>();
  const [prune, setPrune] = useState<PruneResult[]>();
  const [error, setError] = useState<string>();
  const vmName = (id: string) => vms.data?.find((vm) => vm.id === id)?.name ?? id;

  const act = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      jobs.reload();
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <>
      <h1>Jobs</h1>
      <ErrorNote error={jobs.error ?? error} />
      <RequireRole role="operator">
        <button type="button" onClick={() => setEditing('new')}>New job</button>
      </RequireRole>
      {editing && vms.data && repositories.data && (
        <JobForm key={editing === 'new' ? 'new' : editing.id} job={editing === 'new' ? undefined : editing}
          vms={vms.data} repositories={repositories.data} onSaved={jobs.reload} onCancel={() => setEditing(undefined)} />
      )}
      <table>
        <caption>Backup jobs</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Schedule</th>
            <th scope="col">Enabled</th>
            <th scope="col">Next fire</th>
            <th scope="col">Last runs</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {(jobs.data ?? []).map((job) => (
            <tr key={job.id}>
              <th scope="row">{job.name}</th>
              <td><code>{job.schedule}</code> {job.timeZone}</td>
              <td>{job.enabled ? 'yes' : 'no'}{job.legacyVmNameRegex && <> (<span className="error">needs a glob: edit it</span>)</>}</td>
              <td>{job.nextFireTimes[0] ? dateTime(job.nextFireTimes[0], job.timeZone) : '—'}</td>
              <td>
                <ul className="plain">
                  {job.lastRuns.map((r) => (
                    <li key={r.vmId}>
                      {r.vmName}: {r.runId ? <Link to={`/runs/${r.runId}`}><Status value={r.status} /></Link> : 'not run yet'}
                    </li>
                  ))}
                </ul>
              </td>
              <td className="actions">
                <RequireRole role="operator">
                  <button type="button" onClick={() => setEditing(job)} aria-label={`Edit ${job.name}`}>Edit</button>
                  <button type="button" onClick={() => act(() => setJobEnabled(job.id, !job.enabled))}
                    aria-label={`${job.enabled ? 'Disable' : 'Enable'} ${job.name}`}>{job.enabled ? 'Disable' : 'Enable'}</button>
                  <button type="button" aria-label={`Run ${job.name} now`}
                    onClick={() => act(async () => setStarted({ job: job.name, runs: await runJobNow(job.id) }))}>Run now</button>
                  <button type="button" aria-label={`Prune dry run of ${job.name}`}
                    onClick={() => act(async () => setPrune(await pruneDryRun(job.id)))}>Prune dry run</button>
                  <button type="button" aria-label={`Delete ${job.name}`} onClick={() => {
                    if (window.confirm(`Delete job ${job.name}? Its restore points stay.`)) {
                      act(() => deleteJob(job.id));
                    }
                  }}>Delete</button>
                </RequireRole>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {started && (
        <section className="card" aria-labelledby="started-title">
          <h2 id="started-title">Runs started by {started.job}</h2>
          {started.runs.length === 0 && <p className="muted">The job covers no VM.</p>}
          <ul className="active-runs">
            {started.runs.map((run) => (
              <li key={run.id}>
                <Link to={`/runs/${run.id}`}>Run details for {vmName(run.vmId)}</Link>
                <RunProgress run={run} label={`Backup of ${vmName(run.vmId)}`} onFinished={jobs.reload} />
              </li>
            ))}
          </ul>
        </section>
      )}
      {prune && <PruneTable results={prune} />}
    </>
  );
}
