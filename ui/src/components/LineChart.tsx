export interface Point {
  at: number;
  value: number;
}

interface Props {
  title: string;
  points: Point[];
  format: (value: number) => string;
}

const WIDTH = 260;
const HEIGHT = 90;
const PAD = 6;

/** A small line chart over time; the points are also listed for screen readers. */
export function LineChart({ title, points, format }: Props) {
  if (points.length === 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="muted">no data yet</p>
      </figure>
    );
  }
  const sorted = [...points].sort((a, b) => a.at - b.at);
  const first = sorted[0].at;
  const span = Math.max(1, sorted[sorted.length - 1].at - first);
  const max = Math.max(...sorted.map((p) => p.value), 1);
  const x = (at: number) => (sorted.length === 1 ? WIDTH / 2 : PAD + ((at - first) / span) * (WIDTH - 2 * PAD));
  const y = (value: number) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  const path = sorted.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const last = sorted[sorted.length - 1];
  return (
    <figure className="chart">
      <figcaption>
        {title}: latest {format(last.value)}, highest {format(max)}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img" aria-label={`${title} over time`}>
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} className="axis" />
        <path d={path} className="line" />
        {sorted.map((p) => (
          <circle key={p.at} cx={x(p.at)} cy={y(p.value)} r={2.5} className="dot">
            <title>{`${new Date(p.at).toLocaleString()}: ${format(p.value)}`}</title>
          </circle>
        ))}
      </svg>
    </figure>
  );
}
