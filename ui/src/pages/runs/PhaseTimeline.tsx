import { duration } from '../../format';
import { phaseWords } from './plainError';

const ORDER = ['prepare', 'quiesce', 'snapshot', 'resume', 'copy', 'commit', 'catalog', 'release'];

/** The run's phases in the order they happen, each bar as long as its share of the total. */
export function PhaseTimeline({ phaseMillis, downtimeMillis }: { phaseMillis: Record<string, number> | null; downtimeMillis: number | null }) {
  const phases = Object.entries(phaseMillis ?? {}).sort(
    ([a], [b]) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99));
  if (phases.length === 0) {
    return <p className="muted">No phase has finished yet.</p>;
  }
  const total = Math.max(1, phases.reduce((sum, [, ms]) => sum + ms, 0));
  return (
    <>
      <div className="timeline" aria-hidden="true">
        {phases.map(([phase, ms]) => (
          <div key={phase} className={`segment phase-${phase}`} style={{ flexGrow: Math.max(ms, total / 100) }} title={`${phase}: ${duration(ms)}`} />
        ))}
      </div>
      <table className="phases">
        <caption>Phases (guest downtime {duration(downtimeMillis)})</caption>
        <thead><tr><th scope="col">Phase</th><th scope="col">What happened</th><th scope="col">Took</th></tr></thead>
        <tbody>
          {phases.map(([phase, ms]) => (
            <tr key={phase}>
              <th scope="row"><span className={`swatch phase-${phase}`} /> {phase}</th>
              <td>{phaseWords(phase)}</td>
              <td>{duration(ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
