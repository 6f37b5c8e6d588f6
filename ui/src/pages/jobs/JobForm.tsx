import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { createJob, updateJob, type Job, type JobRequest } from '../../api/jobs';
import type { Repository } from '../../api/repositories';
import { BACKUP_MODES, type BackupMode, type Vm } from '../../api/vms';
import { ErrorNote } from '../../components/Status';
import { CronPreview } from './CronPreview';

const RETENTION = ['keepLast', 'keepHourly', 'keepDaily', 'keepWeekly', 'keepMonthly', 'keepYearly'];
const RETENTION_LABEL: Record<string, string> = {
  keepLast: 'Keep last', keepHourly: 'Keep hourly', keepDaily: 'Keep daily',
  keepWeekly: 'Keep weekly', keepMonthly: 'Keep monthly', keepYearly: 'Keep yearly',
};
const CONSISTENCY = ['', 'crash', 'saved-state', 'application', 'offline'];

export function emptyJob(repositoryId: string | null): JobRequest {
  return {
    name: '', schedule: '0 0 2 * * ?', timeZone: 'UTC', vmIds: [], vmNamePattern: null, mode: 'auto', writer: null,
    repositoryId, retention: { keepLast: 7 }, enabled: true, verifyAfter: false, maxParallel: 2, minimumConsistency: null,
    compareEvery: null, bootTestAfter: false,
  };
}

export function requestOf(job: Job): JobRequest {
  const { name, schedule, timeZone, vmIds, vmNamePattern, mode, writer, repositoryId, retention, enabled, verifyAfter,
    maxParallel, minimumConsistency, compareEvery, bootTestAfter } = job;
  return { name, schedule, timeZone, vmIds, vmNamePattern, mode, writer, repositoryId, retention: retention ?? {}, enabled,
    verifyAfter, maxParallel, minimumConsistency, compareEvery: compareEvery ?? null, bootTestAfter: bootTestAfter ?? false };
}

interface Props {
  job?: Job;
  vms: Vm[];
  repositories: Repository[];
  onSaved: (job: Job) => void;
  onCancel: () => void;
}

export function JobForm({ job, vms, repositories, onSaved, onCancel }: Props) {
  const [form, setForm] = useState<JobRequest>(() => (job ? requestOf(job) : emptyJob(repositories[0]?.id ?? null)));
  const [failure, setFailure] = useState<ApiError>();
  const [saved, setSaved] = useState<Job | undefined>(job);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof JobRequest>(key: K, value: JobRequest[K]) => setForm((f) => ({ ...f, [key]: value }));
  const fieldError = (field: string) => failure?.fieldMessage(field);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setFailure(undefined);
    try {
      const result = saved ? await updateJob(saved.id, form) : await createJob(form);
      setSaved(result);
      onSaved(result);
    } catch (e) {
      setFailure(e instanceof ApiError ? e : new ApiError(0, { detail: (e as Error).message }));
    } finally {
      setBusy(false);
    }
  };

  const scheduleChanged = saved && (saved.schedule !== form.schedule || saved.timeZone !== form.timeZone);
  const unmatched = failure && !failure.problem.errors?.some((e) =>
    ['name', 'schedule', 'timeZone', 'vmNamePattern', 'repositoryId', 'maxParallel', 'retention', 'compareEvery'].includes(e.field));

  return (
    <form className="card job-form" onSubmit={submit} aria-labelledby="job-form-title" noValidate>
      <h2 id="job-form-title">{saved ? `Edit job ${saved.name}` : 'New job'}</h2>
      <div className="field">
        <label htmlFor="job-name">Name</label>
        <input id="job-name" value={form.name} onChange={(e) => set('name', e.target.value)} required
          aria-invalid={!!fieldError('name')} aria-describedby="job-name-error" />
        <span id="job-name-error" className="error">{fieldError('name')}</span>
      </div>
      <div className="field">
        <label htmlFor="job-schedule">Schedule (Quartz cron)</label>
        <input id="job-schedule" value={form.schedule} onChange={(e) => set('schedule', e.target.value)}
          aria-invalid={!!fieldError('schedule')} aria-describedby="schedule-problem" className="mono" />
        <CronPreview schedule={form.schedule} timeZone={form.timeZone} serverError={fieldError('schedule')}
          nextFireTimes={scheduleChanged ? undefined : saved?.nextFireTimes} />
      </div>
      <div className="field">
        <label htmlFor="job-zone">Time zone</label>
        <input id="job-zone" value={form.timeZone} onChange={(e) => set('timeZone', e.target.value)}
          aria-invalid={!!fieldError('timeZone')} aria-describedby="job-zone-error" />
        <span id="job-zone-error" className="error">{fieldError('timeZone')}</span>
      </div>
      <fieldset>
        <legend>Virtual machines</legend>
        {vms.map((vm) => (
          <label key={vm.id} className="check">
            <input type="checkbox" checked={form.vmIds.includes(vm.id)}
              onChange={(e) => set('vmIds', e.target.checked ? [...form.vmIds, vm.id] : form.vmIds.filter((id) => id !== vm.id))} />
            {vm.name}
          </label>
        ))}
        <div className="field">
          <label htmlFor="job-pattern">or VM names matching</label>
          <input id="job-pattern" value={form.vmNamePattern ?? ''} className="mono" placeholder="web*"
            onChange={(e) => set('vmNamePattern', e.target.value || null)} maxLength={128}
            aria-invalid={!!fieldError('vmNamePattern')} aria-describedby="job-pattern-hint job-pattern-error" />
          <span id="job-pattern-hint" className="muted">
            A glob over whole names, upper and lower case apart: <code>*</code> any characters, <code>?</code> one,
            {' '}<code>[0-9]</code> one of a set, <code>[!0-9]</code> one not in it.
          </span>
          {saved?.legacyVmNameRegex && (
            <p className="error" role="alert">
              This job picked VMs by the regular expression <code>{saved.legacyVmNameRegex}</code>, which has no glob
              that picks the same names, so it was disabled on upgrade. Choose its VMs or give a glob, and save.
            </p>
          )}
          <span id="job-pattern-error" className="error">{fieldError('vmNamePattern')}</span>
        </div>
      </fieldset>
      <div className="row">
        <div className="field">
          <label htmlFor="job-mode">Mode</label>
          <select id="job-mode" value={form.mode} onChange={(e) => set('mode', e.target.value as BackupMode)}>
            {BACKUP_MODES.map((m) => <option key={m} value={m}>{m}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="job-repository">Repository</label>
          <select id="job-repository" value={form.repositoryId ?? ''} onChange={(e) => set('repositoryId', e.target.value || null)}
            aria-invalid={!!fieldError('repositoryId')} aria-describedby="job-repository-error">
            {repositories.map((r) => <option key={r.id} value={r.id}>{r.name}</option>)}
          </select>
          <span id="job-repository-error" className="error">{fieldError('repositoryId')}</span>
        </div>
        <div className="field">
          <label htmlFor="job-consistency">Minimum consistency</label>
          <select id="job-consistency" value={form.minimumConsistency ?? ''}
            onChange={(e) => set('minimumConsistency', e.target.value || null)}>
            {CONSISTENCY.map((c) => <option key={c} value={c}>{c || 'any'}</option>)}
          </select>
        </div>
        <div className="field">
          <label htmlFor="job-parallel">Parallel runs</label>
          <input id="job-parallel" type="number" min={1} value={form.maxParallel}
            onChange={(e) => set('maxParallel', Number(e.target.value))}
            aria-invalid={!!fieldError('maxParallel')} aria-describedby="job-parallel-error" />
          <span id="job-parallel-error" className="error">{fieldError('maxParallel')}</span>
        </div>
        <div className="field">
          <label htmlFor="job-compare-every">Compare every Nth point</label>
          <input id="job-compare-every" type="number" min={1} max={1000} value={form.compareEvery ?? ''} placeholder="never"
            onChange={(e) => set('compareEvery', e.target.value === '' ? null : Number(e.target.value))}
            aria-invalid={!!fieldError('compareEvery')} aria-describedby="job-compare-every-hint job-compare-every-error" />
          <span id="job-compare-every-hint" className="muted">
            At least every Nth point reads all data and writes what differs, whatever was tracked: the safety net
            against a change-tracking bug. 1 to 1000; empty trusts tracking.
          </span>
          <span id="job-compare-every-error" className="error">{fieldError('compareEvery')}</span>
        </div>
      </div>
      <fieldset>
        <legend>Retention</legend>
        <div className="row">
          {RETENTION.map((key) => (
            <div className="field" key={key}>
              <label htmlFor={`job-${key}`}>{RETENTION_LABEL[key]}</label>
              <input id={`job-${key}`} type="number" min={0} value={form.retention[key] ?? ''}
                onChange={(e) => {
                  const retention = { ...form.retention };
                  if (e.target.value === '') {
                    delete retention[key];
                  } else {
                    retention[key] = Number(e.target.value);
                  }
                  set('retention', retention);
                }} />
            </div>
          ))}
        </div>
        <span className="error">{fieldError('retention')}</span>
      </fieldset>
      <label className="check">
        <input type="checkbox" checked={form.enabled} onChange={(e) => set('enabled', e.target.checked)} /> Enabled
      </label>
      <label className="check">
        <input type="checkbox" checked={form.verifyAfter} onChange={(e) => set('verifyAfter', e.target.checked)} /> Verify after each run
      </label>
      <label className="check">
        <input type="checkbox" checked={form.bootTestAfter ?? false}
          onChange={(e) => set('bootTestAfter', e.target.checked)} /> Boot-test each new restore point
      </label>
      {unmatched && <ErrorNote error={failure} />}
      <div className="actions">
        <button type="submit" disabled={busy}>{saved ? 'Save job' : 'Create job'}</button>
        <button type="button" onClick={onCancel}>Close</button>
      </div>
    </form>
  );
}
