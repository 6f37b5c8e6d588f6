import { useEffect } from 'react';
import { getRun, runEventsUrl, type Run, type RunSummary } from '../api/runs';
import { getRestore, restoreEventsUrl, type Restore } from '../api/restores';
import { ProgressBar } from './ProgressBar';
import { Status } from './Status';
import { useLive } from './useLive';

/** A run followed live: its status, phase and a progress bar that reaches the end when it succeeds. */
export function RunProgress({ run, label, onFinished }: { run: Run | RunSummary; label: string; onFinished?: (run: Run) => void }) {
  const live = useLive<Run>({ phaseMillis: null, progress: null, writer: null, ...run }, runEventsUrl(run.id),
    () => getRun(run.id));
  const finished = live.finishedAt != null;
  useEffect(() => {
    if (finished && !run.finishedAt) {
      onFinished?.(live);
    }
    // Once per run: when it turns finished, not on every later snapshot.
  }, [finished]);
  return (
    <div className="live">
      <span>
        <Status value={live.status} /> {live.phase && !live.finishedAt ? `· ${live.phase}` : ''}
      </span>
      <ProgressBar label={label} progress={live.progress ?? fromTotals(live)} done={live.status === 'SUCCEEDED'} />
      {live.error && <p className="error">{live.error}</p>}
    </div>
  );
}

/** A restore followed live, like a run. */
export function RestoreProgress({ restore, label }: { restore: Restore; label: string }) {
  const live = useLive(restore, restoreEventsUrl(restore.id), () => getRestore(restore.id));
  return (
    <div className="live">
      <span><Status value={live.status} /></span>
      <ProgressBar label={label} progress={live.progress ?? fromTotals(live)} done={live.status === 'SUCCEEDED'} />
      {live.error && <p role="alert" className="error">{live.error}</p>}
    </div>
  );
}

function fromTotals(x: { bytesCopied: number; bytesTotal: number }) {
  return { bytesDone: x.bytesCopied, bytesTotal: x.bytesTotal, filesDone: 0, filesTotal: 0, currentFile: null,
    bytesPerSecond: 0, etaSeconds: null };
}
