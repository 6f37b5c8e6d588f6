import { listRepositories, repositoryUsage, type Repository } from '../../api/repositories';
import { LineChart } from '../../components/LineChart';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { bytes, dateTime } from '../../format';
import { blockCloneAnswer } from '../../incremental';

/** Used is what the points cost on disk, logical what restoring each would write; sharing makes the gap. */
export function UsageChart({ repository }: { repository: Repository }) {
  const usage = useLoad(() => repositoryUsage(repository.id), [repository.id], 60000);
  const samples = usage.data ?? [];
  return (
    <section aria-labelledby={`usage-${repository.id}`}>
      <h3 id={`usage-${repository.id}`}>{repository.name}</h3>
      <ErrorNote error={usage.error} />
      <LineChart title="Used" format={bytes}
        points={samples.filter((s) => s.usedBytes != null).map((s) => ({ at: Date.parse(s.sampledAt), value: s.usedBytes! }))}
        also={{ title: 'Logical', points: samples.map((s) => ({ at: Date.parse(s.sampledAt), value: s.logicalBytes })) }} />
    </section>
  );
}

export function RepositoriesPage() {
  const repositories = useLoad(listRepositories, [], 30000);
  return (
    <>
      <h1>Repositories</h1>
      <ErrorNote error={repositories.error} />
      <table>
        <caption>Backup repositories and the space on their file systems</caption>
        <thead>
          <tr>
            <th scope="col">Name</th><th scope="col">Path</th><th scope="col">Capacity</th>
            <th scope="col">Used</th><th scope="col">Free</th><th scope="col">Block clone</th>
            <th scope="col">Restore points</th><th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {(repositories.data ?? []).map((r) => {
            const known = r.totalBytes > 0 && r.usableBytes >= 0;
            // The file system's own count (what df calls used), so this column and the usage chart agree;
            // capacity minus free space for the server would also count blocks reserved for root.
            const used = known ? (r.usedBytes >= 0 ? r.usedBytes : r.totalBytes - r.usableBytes) : -1;
            const percent = known ? Math.round((used * 100) / r.totalBytes) : 0;
            const clone = blockCloneAnswer(r.blockClone);
            return (
              <tr key={r.id}>
                <th scope="row">{r.name}</th>
                <td className="mono">{r.path}</td>
                <td>{known ? bytes(r.totalBytes) : 'unknown'}</td>
                <td>
                  {known ? (
                    <div className="meter-cell">
                      <meter min={0} max={100} low={80} high={90} optimum={0} value={percent} aria-label={`${r.name} used`} />
                      <span>{bytes(used)} ({percent} %)</span>
                    </div>
                  ) : 'unknown'}
                </td>
                <td className={known && percent >= 90 ? 'stale' : undefined}>{known ? bytes(r.usableBytes) : 'unknown'}</td>
                <td title={r.blockCloneCheckedAt ? `checked ${dateTime(r.blockCloneCheckedAt)}` : undefined}>
                  {clone.answer} <span className="muted">({clone.hint})</span>
                </td>
                <td>
                  {r.restorePoints} points, {bytes(r.logicalBytes)} logical; {bytes(r.usedBytes)} used on disk
                </td>
                <td>{dateTime(r.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <section aria-labelledby="usage-title">
        <h2 id="usage-title">Used and logical size over time</h2>
        <p className="muted">
          Used is the space taken on the repository's file system; logical is what restoring every point would
          write. Points share what did not change, so used grows by what changed.
        </p>
        <div className="charts">
          {(repositories.data ?? []).map((r) => <UsageChart key={r.id} repository={r} />)}
        </div>
      </section>
    </>
  );
}
