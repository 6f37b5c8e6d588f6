import { listUnproven } from '../../api/restorePoints';
import { getDashboard } from '../../api/dashboard';
import { listRuns, type RunSummary } from '../../api/runs';
import { listVms, type Vm } from '../../api/vms';
import { LineChart, type Point } from '../../components/LineChart';
import { RunProgress } from '../../components/RunProgress';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { age, bytes, duration, isStale } from '../../format';
import { Link } from '../../router';

const OUTCOMES = ['SUCCEEDED', 'FAILED', 'CANCELLED', 'SKIPPED'] as const;
/** How many of the newest succeeded runs the charts draw. */
const CHARTED = 500;

function series(runs: RunSummary[], value: (run: RunSummary) => number | null): Point[] {
  return runs.flatMap((run) => {
    const v = value(run);
    return v == null ? [] : [{ at: Date.parse(run.createdAt), value: v }];
  });
}

function VmCharts({ vm, runs }: { vm: Vm; runs: RunSummary[] }) {
  const done = runs.filter((r) => r.vmId === vm.id && r.startedAt && r.finishedAt);
  return (
    <section className="card" aria-labelledby={`charts-${vm.id}`}>
      <h3 id={`charts-${vm.id}`}>{vm.name}</h3>
      <div className="charts">
        <LineChart title="Backup duration" format={duration}
          points={series(done, (r) => Date.parse(r.finishedAt!) - Date.parse(r.startedAt!))} />
        <LineChart title="Guest downtime" format={duration} points={series(done, (r) => r.downtimeMillis)} />
        <LineChart title="Size" format={bytes} points={series(done, (r) => r.bytesTotal)} />
      </div>
    </section>
  );
}

export function DashboardPage() {
  const vms = useLoad(listVms, [], 10000);
  // The figures are counted by the server; the charts draw the newest succeeded runs.
  const dashboard = useLoad(getDashboard, [], 3000);
  const charted = useLoad(() => listRuns({ status: 'SUCCEEDED', limit: CHARTED }), [], 30000);
  const unproven = useLoad(listUnproven, [], 10000);
  const now = Date.now();
  const allVms = vms.data ?? [];
  const stale = allVms.filter((vm) => isStale(vm.lastRestorePointAt, now));
  const active = dashboard.data?.activeRuns ?? [];
  const outcomes = dashboard.data?.runsLastDay ?? {};
  const vmName = (id: string) => allVms.find((vm) => vm.id === id)?.name ?? id;

  return (
    <>
      <h1>Dashboard</h1>
      <ErrorNote error={vms.error ?? dashboard.error ?? charted.error} />
      <div className="tiles">
        <section className="card" aria-labelledby="protected-title">
          <h2 id="protected-title">Protected VMs</h2>
          <p className="big">{dashboard.data?.protectedVms ?? 0} of {dashboard.data?.vms ?? allVms.length}</p>
          <p className="muted">with a restore point from the last 24 h</p>
          {stale.length > 0 && (
            <ul className="stale-list">
              {stale.map((vm) => (
                <li key={vm.id} className="stale">{vm.name}: last restore point {age(vm.lastRestorePointAt, now)}</li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="unproven-title">
          <h2 id="unproven-title">Not proven to boot</h2>
          <p className="big">{unproven.data?.length ?? 0}</p>
          <p className="muted">VMs whose newest restore point has not passed a boot test</p>
          {(unproven.data?.length ?? 0) > 0 && (
            <ul className="stale-list">
              {unproven.data!.map((u) => (
                <li key={u.vmId} className={u.bootTestStatus === 'FAILED' ? 'stale' : undefined}>
                  <Link to={`/restore-points?vm=${u.vmId}&point=${u.restorePointId}`}>{u.vmName}</Link>
                  : {u.bootTestStatus ? `boot test ${u.bootTestStatus.toLowerCase()}` : 'never boot-tested'}
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="outcomes-title">
          <h2 id="outcomes-title">Runs in the last 24 h</h2>
          <dl className="outcomes">
            {OUTCOMES.map((o) => (
              <div key={o} className={`outcome status-${o.toLowerCase()}`}>
                <dt>{o.toLowerCase()}</dt>
                <dd>{outcomes[o] ?? 0}</dd>
              </div>
            ))}
          </dl>
        </section>
      </div>
      <section aria-labelledby="active-title">
        <h2 id="active-title">Runs in progress</h2>
        {active.length === 0 ? (
          <p className="muted">No run in progress.</p>
        ) : (
          <ul className="active-runs">
            {active.map((run) => (
              <li key={run.id}>
                <Link to={`/runs/${run.id}`}>{vmName(run.vmId)}</Link>
                <RunProgress run={run} label={`Backup of ${vmName(run.vmId)}`} onFinished={dashboard.reload} />
              </li>
            ))}
          </ul>
        )}
      </section>
      <section aria-labelledby="charts-title">
        <h2 id="charts-title">Per VM over time</h2>
        {allVms.map((vm) => <VmCharts key={vm.id} vm={vm} runs={charted.data?.items ?? []} />)}
      </section>
    </>
  );
}
