import type { Progress } from '../api/progress';
import { bytes, duration } from '../format';

interface Props {
  label: string;
  progress: Progress | null;
  /** Whether the copy has finished successfully; the bar then shows 100 % whatever the last sample said. */
  done?: boolean;
}

export function percentOf(progress: Progress | null, done = false): number {
  if (done) {
    return 100;
  }
  if (!progress || progress.bytesTotal <= 0) {
    return 0;
  }
  return Math.min(100, Math.floor((progress.bytesDone * 100) / progress.bytesTotal));
}

export function ProgressBar({ label, progress, done = false }: Props) {
  const percent = percentOf(progress, done);
  const details = progress
    ? [
        `${bytes(progress.bytesDone)} of ${bytes(progress.bytesTotal)}`,
        !done && progress.bytesPerSecond > 0 ? `${bytes(progress.bytesPerSecond)}/s` : null,
        !done && progress.etaSeconds != null ? `ETA ${duration(progress.etaSeconds * 1000)}` : null,
      ].filter(Boolean).join(' · ')
    : done ? 'done' : 'waiting';
  return (
    <div className="progress">
      <div
        className="progress-track"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        aria-valuetext={`${percent} %, ${details}`}
      >
        <div className="progress-fill" style={{ width: `${percent}%` }} />
      </div>
      <span className="progress-text">{percent} % · {details}</span>
    </div>
  );
}
