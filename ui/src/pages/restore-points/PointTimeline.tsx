import type { RestorePointSummary } from '../../api/restorePoints';
import { dateTime } from '../../format';
import { writtenText } from '../../incremental';

const WIDTH = 800;

/** A VM's restore points along time, oldest left; each is a button that selects it. */
export function PointTimeline({ points, selected, onSelect }: { points: RestorePointSummary[]; selected?: string; onSelect: (id: string) => void }) {
  if (points.length === 0) {
    return <p className="muted">This VM has no restore points yet.</p>;
  }
  const times = points.map((p) => Date.parse(p.createdAt));
  const first = Math.min(...times);
  const span = Math.max(1, Math.max(...times) - first);
  return (
    <div className="point-timeline" role="group" aria-label="Restore points over time">
      <div className="rail" />
      {points.map((p) => {
        const left = points.length === 1 ? 50 : ((Date.parse(p.createdAt) - first) / span) * 100;
        return (
          <button key={p.id} type="button" className={`pin${p.id === selected ? ' selected' : ''}${p.isProtected ? ' protected' : ''}`}
            style={{ left: `calc(${left}% - 8px)` }} aria-pressed={p.id === selected}
            aria-label={`Restore point of ${dateTime(p.createdAt)}`} title={`${dateTime(p.createdAt)}: ${writtenText(p.bytesWritten, p.sizeBytes)}`} onClick={() => onSelect(p.id)} />
        );
      })}
      <div className="ends" style={{ width: '100%', maxWidth: WIDTH }}>
        <span>{dateTime(new Date(first).toISOString())}</span>
        <span>{dateTime(new Date(first + span).toISOString())}</span>
      </div>
    </div>
  );
}
