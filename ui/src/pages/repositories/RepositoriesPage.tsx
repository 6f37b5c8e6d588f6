import { listRepositories } from '../../api/repositories';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { bytes, dateTime } from '../../format';

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
            <th scope="col">Used</th><th scope="col">Free</th><th scope="col">Since</th>
          </tr>
        </thead>
        <tbody>
          {(repositories.data ?? []).map((r) => {
            const known = r.totalBytes > 0 && r.usableBytes >= 0;
            const used = known ? r.totalBytes - r.usableBytes : -1;
            const percent = known ? Math.round((used * 100) / r.totalBytes) : 0;
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
                <td>{dateTime(r.createdAt)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
