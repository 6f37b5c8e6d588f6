import { useState, type FormEvent } from 'react';
import type { Host } from '../../api/hosts';
import { startRestore, type RestorePoint, type RestoreRequest, type RestoreTarget } from '../../api/restorePoints';
import type { Restore } from '../../api/restores';
import type { Vm } from '../../api/vms';
import { RestoreProgress } from '../../components/RunProgress';
import { ErrorNote } from '../../components/Status';
import { restoreSummary } from './restoreSummary';

const TARGETS: { value: RestoreTarget; label: string; hint: string }[] = [
  { value: 'original', label: 'Original VM, in place', hint: 'bring the VM itself back to this point' },
  { value: 'path', label: 'A folder', hint: 'copy the files out, the VM untouched' },
  { value: 'new-vm', label: 'A new VM', hint: 'a clone beside the original' },
];

interface Props {
  point: RestorePoint;
  vm: Vm | undefined;
  hosts: Host[];
  onClose: () => void;
}

/** Three steps: where to, the options for that target, and what will happen — then the restore starts. */
export function RestoreWizard({ point, vm, hosts, onClose }: Props) {
  const [step, setStep] = useState<1 | 2 | 3>(1);
  const [request, setRequest] = useState<RestoreRequest>({
    target: 'new-vm', name: `${vm?.name ?? point.vmName ?? 'vm'}-restored`, path: '', hostId: vm?.hostId,
    startAfter: false, stopVm: false, keepPrevious: true, force: false,
  });
  const [restore, setRestore] = useState<Restore>();
  const [error, setError] = useState<string>();
  const set = <K extends keyof RestoreRequest>(key: K, value: RestoreRequest[K]) => setRequest((r) => ({ ...r, [key]: value }));
  const hostName = hosts.find((h) => h.id === request.hostId)?.name;

  const start = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    const body: RestoreRequest = { target: request.target, startAfter: request.startAfter, stopVm: false, keepPrevious: false, force: request.force };
    if (request.target === 'path') {
      body.path = request.path;
    } else if (request.target === 'new-vm') {
      body.name = request.name;
      body.hostId = request.hostId;
    } else {
      body.stopVm = request.stopVm;
      body.keepPrevious = request.keepPrevious;
    }
    try {
      setRestore(await startRestore(point.id, body));
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <section className="card wizard" aria-labelledby="wizard-title">
      <h2 id="wizard-title">Restore {vm?.name ?? point.vmName} — step {step} of 3</h2>
      {step === 1 && (
        <fieldset>
          <legend>Restore to</legend>
          {TARGETS.map((t) => (
            <label key={t.value} className="check">
              <input type="radio" name="restore-target" value={t.value} checked={request.target === t.value}
                onChange={() => set('target', t.value)} />
              {t.label} <span className="muted">— {t.hint}</span>
            </label>
          ))}
          <div className="actions">
            <button type="button" onClick={() => setStep(2)}>Next</button>
            <button type="button" onClick={onClose}>Cancel</button>
          </div>
        </fieldset>
      )}
      {step === 2 && (
        <fieldset>
          <legend>Options</legend>
          {request.target === 'path' && (
            <div className="field">
              <label htmlFor="restore-path">Folder (absolute, under a restore root)</label>
              <input id="restore-path" value={request.path} onChange={(e) => set('path', e.target.value)} className="mono" />
            </div>
          )}
          {request.target === 'new-vm' && (
            <>
              <div className="field">
                <label htmlFor="restore-name">New VM name</label>
                <input id="restore-name" value={request.name} onChange={(e) => set('name', e.target.value)} />
              </div>
              <div className="field">
                <label htmlFor="restore-host">Host</label>
                <select id="restore-host" value={request.hostId ?? ''} onChange={(e) => set('hostId', e.target.value)}>
                  {hosts.map((h) => <option key={h.id} value={h.id}>{h.name}</option>)}
                </select>
              </div>
            </>
          )}
          {request.target === 'original' && (
            <>
              <label className="check">
                <input type="checkbox" checked={request.stopVm} onChange={(e) => set('stopVm', e.target.checked)} /> Shut the VM down first
              </label>
              <label className="check">
                <input type="checkbox" checked={request.keepPrevious} onChange={(e) => set('keepPrevious', e.target.checked)} /> Keep the replaced files
              </label>
            </>
          )}
          {request.target !== 'path' && (
            <label className="check">
              <input type="checkbox" checked={request.startAfter} onChange={(e) => set('startAfter', e.target.checked)} /> Start the VM afterwards
            </label>
          )}
          {point.verifyStatus === 'FAILED' && (
            <label className="check">
              <input type="checkbox" checked={request.force} onChange={(e) => set('force', e.target.checked)} /> Restore although the last verify failed
            </label>
          )}
          <div className="actions">
            <button type="button" onClick={() => setStep(1)}>Back</button>
            <button type="button" onClick={() => setStep(3)}>Next</button>
          </div>
        </fieldset>
      )}
      {step === 3 && (
        <form onSubmit={start}>
          <h3 id="summary-title">What will happen</h3>
          <ol aria-labelledby="summary-title" className="summary">
            {restoreSummary(point, vm, request, hostName).map((line) => <li key={line}>{line}</li>)}
          </ol>
          <ErrorNote error={error} />
          {restore ? (
            <>
              <RestoreProgress restore={restore} label={`Restore of ${vm?.name ?? point.vmName}`} />
              <button type="button" onClick={onClose}>Close</button>
            </>
          ) : (
            <div className="actions">
              <button type="button" onClick={() => setStep(2)}>Back</button>
              <button type="submit">Start restore</button>
            </div>
          )}
        </form>
      )}
    </section>
  );
}
