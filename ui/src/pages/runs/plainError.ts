import type { Run } from '../../api/runs';

const PHASE_WORDS: Record<string, string> = {
  prepare: 'preparing the snapshot writer',
  quiesce: 'holding the guest still',
  snapshot: 'taking the snapshot',
  resume: 'resuming the guest',
  copy: 'copying the files',
  commit: 'writing the manifest and cataloguing the restore point',
  catalog: 'cataloguing the restore point',
  release: 'releasing the snapshot',
};

export function phaseWords(phase: string): string {
  return PHASE_WORDS[phase] ?? phase;
}

/** A one-line account of how a run ended, for people who do not read stack traces. */
export function plainOutcome(run: Run): string {
  switch (run.status) {
    case 'SUCCEEDED':
      return `The backup succeeded with ${run.consistency ?? 'unknown'} consistency.`;
    case 'QUEUED':
      return 'The run waits for a free slot.';
    case 'RUNNING':
      return `The run is ${run.phase ? phaseWords(run.phase) : 'working'}.`;
    case 'CANCELLED':
      return 'The run was cancelled; it left nothing behind.';
    case 'SKIPPED':
      return 'The run was skipped because the VM was busy with another run or a restore.';
    case 'FAILED': {
      const error = run.error ?? '';
      if (/interrupt/i.test(error)) {
        return 'The server stopped while this backup ran; the guest was resumed and the partial copy removed.';
      }
      if (/consistency/i.test(error)) {
        return 'The VM could not be backed up with the minimum consistency the job demands.';
      }
      if (/downtime|watchdog/i.test(error)) {
        return 'The guest was held longer than allowed, so it was resumed and the backup given up.';
      }
      if (/space|ENOSPC/i.test(error)) {
        return 'The repository ran out of space.';
      }
      return run.phase ? `The backup failed while ${phaseWords(run.phase)}.` : 'The backup failed.';
    }
  }
}
