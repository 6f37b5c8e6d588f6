export interface Point {
  at: number;
  value: number;
}

/** A second line drawn on the same scales, so the two compare at a glance (e.g. used beside logical size). */
export interface Series {
  title: string;
  points: Point[];
}

interface Props {
  title: string;
  points: Point[];
  format: (value: number) => string;
  also?: Series;
}

const WIDTH = 260;
const HEIGHT = 90;
const PAD = 6;

const byTime = (points: Point[]) => [...points].sort((a, b) => a.at - b.at);

/** A small line chart over time; the points are also listed for screen readers. */
export function LineChart({ title, points, format, also }: Props) {
  const sorted = byTime(points);
  const other = byTime(also?.points ?? []);
  const every = [...sorted, ...other];
  if (every.length === 0) {
    return (
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <p className="muted">no data yet</p>
      </figure>
    );
  }
  const first = Math.min(...every.map((p) => p.at));
  const span = Math.max(1, Math.max(...every.map((p) => p.at)) - first);
  const max = Math.max(...every.map((p) => p.value), 1);
  const single = new Set(every.map((p) => p.at)).size === 1;
  const x = (at: number) => (single ? WIDTH / 2 : PAD + ((at - first) / span) * (WIDTH - 2 * PAD));
  const y = (value: number) => HEIGHT - PAD - (value / max) * (HEIGHT - 2 * PAD);
  const path = (line: Point[]) =>
    line.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p.at).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
  const dots = (line: Point[], name: string, className: string) => line.map((p) => (
    <circle key={`${name}-${p.at}`} cx={x(p.at)} cy={y(p.value)} r={2.5} className={className}>
      <title>{`${name}, ${new Date(p.at).toLocaleString()}: ${format(p.value)}`}</title>
    </circle>
  ));
  const latest = (line: Point[]) => format(line[line.length - 1].value);
  return (
    <figure className="chart">
      <figcaption>
        {sorted.length > 0 ? `${title}: latest ${latest(sorted)}, highest ${format(Math.max(...sorted.map((p) => p.value)))}` : title}
        {also && other.length > 0 && <span className="second">; {also.title}: latest {latest(other)}</span>}
      </figcaption>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} width={WIDTH} height={HEIGHT} role="img"
        aria-label={`${title}${also ? ` and ${also.title}` : ''} over time`}>
        <line x1={PAD} y1={HEIGHT - PAD} x2={WIDTH - PAD} y2={HEIGHT - PAD} className="axis" />
        {other.length > 0 && <path d={path(other)} className="line second" />}
        {sorted.length > 0 && <path d={path(sorted)} className="line" />}
        {dots(other, also?.title ?? '', 'dot second')}
        {dots(sorted, title, 'dot')}
      </svg>
    </figure>
  );
}
