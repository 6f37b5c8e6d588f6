import { useState } from 'react';
import { listHosts, refreshHost, refreshSummary, type Host } from '../../api/hosts';
import type { Run } from '../../api/runs';
import { BACKUP_MODES, backUpNow, listVms, type BackupMode, type Vm } from '../../api/vms';
import { RequireRole } from '../../auth/AuthContext';
import { RunProgress } from '../../components/RunProgress';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { age, bytes, dateTime, isStale } from '../../format';
import { Link } from '../../router';

export function BackupNow({ vm, onStarted }: { vm: Vm; onStarted: (run: Run) => void }) {
  const [mode, setMode] = useState<BackupMode>('auto');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const start = async () => {
    setBusy(true);
    setError(undefined);
    try {
      onStarted(await backUpNow(vm.id, mode));
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <div className="inline-form">
      <label htmlFor={`mode-${vm.id}`}>Mode for {vm.name}</label>
      <select id={`mode-${vm.id}`} value={mode} onChange={(e) => setMode(e.target.value as BackupMode)}>
        {BACKUP_MODES.map((m) => <option key={m} value={m}>{m}</option>)}
      </select>
      <button type="button" onClick={start} disabled={busy} aria-label={`Back up ${vm.name} now`}>Back up now</button>
      <ErrorNote error={error} />
    </div>
  );
}

export function VmRow({ vm, now, started, onStarted }: { vm: Vm; now: number; started?: Run; onStarted: (run: Run) => void }) {
  const stale = vm.present && isStale(vm.lastRestorePointAt, now);
  return (
    <tr className={stale ? 'stale' : vm.present ? undefined : 'vanished'}>
      <th scope="row">{vm.name}</th>
      <td>
        {vm.present ? (
          <>{vm.state}{vm.stateError && <span className="muted"> ({vm.stateError})</span>}</>
        ) : (
          <span className="badge-vanished" title={vm.vanishedAt ? dateTime(vm.vanishedAt) : undefined}>
            vanished from its host{vm.vanishedAt && ` ${age(vm.vanishedAt, now)}`}
          </span>
        )}
      </td>
      <td title={vm.quiesceNote ?? undefined}>{vm.canQuiesce ? 'yes' : 'no'}</td>
      <td>{vm.guestOs ?? '—'}</td>
      <td>{bytes(vm.memoryBytes)}</td>
      <td>
        {vm.lastRestorePointAt ? (
          <Link to={`/restore-points?vm=${vm.id}`} title={dateTime(vm.lastRestorePointAt)}>{age(vm.lastRestorePointAt, now)}</Link>
        ) : 'never'}
        {stale && <span className="badge-stale"> stale</span>}
      </td>
      <td>
        {vm.present && vm.backupBlockedReason && (
          <span className="error">Cannot be backed up: {vm.backupBlockedReason}</span>
        )}
        {vm.present && !vm.backupBlockedReason && (
          <RequireRole role="operator">
            <BackupNow vm={vm} onStarted={onStarted} />
          </RequireRole>
        )}
        {started && (
          <>
            <RunProgress key={started.id} run={started} label={`Backup of ${vm.name}`} />
            <Link to={`/runs/${started.id}`}>Run details for {vm.name}</Link>
          </>
        )}
      </td>
    </tr>
  );
}

/** A host's last listing of its guests, and for operators a button to list them again now. */
export function HostRow({ host, now, onRefreshed }: { host: Host; now: number; onRefreshed: () => void }) {
  const [busy, setBusy] = useState(false);
  const [said, setSaid] = useState<string>();
  const [error, setError] = useState<string>();
  const refresh = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const outcome = await refreshHost(host.id);
      (outcome.error ? setError : setSaid)(refreshSummary(outcome));
      onRefreshed();
    } catch (e) {
      setError((e as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <tr>
      <th scope="row">{host.name}</th>
      <td>{host.type}</td>
      <td>
        {host.lastRefreshAt ? <span title={dateTime(host.lastRefreshAt)}>{age(host.lastRefreshAt, now)}</span> : 'never'}
        {host.lastRefreshError && <span className="error"> did not answer: {host.lastRefreshError}</span>}
      </td>
      <td>
        <RequireRole role="operator">
          <button type="button" onClick={refresh} disabled={busy} aria-label={`Refresh ${host.name}`}>Refresh</button>
        </RequireRole>
        {said && <span className="muted"> {said}</span>}
        <ErrorNote error={error} />
      </td>
    </tr>
  );
}

export function VmsPage() {
  const vms = useLoad(listVms, [], 10000);
  const hosts = useLoad(listHosts, [], 60000);
  const [started, setStarted] = useState<Record<string, Run>>({});
  const now = Date.now();
  const refreshed = () => {
    vms.reload();
    hosts.reload();
  };
  return (
    <>
      <h1>VMs</h1>
      <ErrorNote error={vms.error} />
      <table>
        <caption>Virtual machines, their state and their newest restore point (stale after 24 h)</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">State</th>
            <th scope="col">Can quiesce</th>
            <th scope="col">Guest OS</th>
            <th scope="col">Memory</th>
            <th scope="col">Last restore point</th>
            <th scope="col">Backup</th>
          </tr>
        </thead>
        <tbody>
          {(vms.data ?? []).map((vm) => (
            <VmRow key={vm.id} vm={vm} now={now} started={started[vm.id]}
              onStarted={(run) => setStarted((s) => ({ ...s, [vm.id]: run }))} />
          ))}
        </tbody>
      </table>
      <h2>Hosts</h2>
      <ErrorNote error={hosts.error} />
      <table>
        <caption>Hosts list their VMs into the catalog on a schedule; a VM gone from its host stays, marked vanished</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Type</th>
            <th scope="col">VMs last listed</th>
            <th scope="col">List again</th>
          </tr>
        </thead>
        <tbody>
          {(hosts.data ?? []).map((host) => <HostRow key={host.id} host={host} now={now} onRefreshed={refreshed} />)}
        </tbody>
      </table>
    </>
  );
}
