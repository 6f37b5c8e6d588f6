import { useState } from 'react';
import { fileUrl, listFiles } from '../../api/restorePoints';
import { ErrorNote } from '../../components/Status';
import { useLoad } from '../../components/useLoad';
import { bytes, dateTime } from '../../format';

const PAGE = 50;

export function FileBrowser({ pointId, verifyFailed }: { pointId: string; verifyFailed: boolean }) {
  const [prefix, setPrefix] = useState('');
  const [offset, setOffset] = useState(0);
  const files = useLoad(() => listFiles(pointId, prefix, PAGE + 1, offset), [pointId, prefix, offset]);
  const page = (files.data ?? []).slice(0, PAGE);
  const more = (files.data?.length ?? 0) > PAGE;
  return (
    <section aria-labelledby="files-title">
      <h3 id="files-title">Files</h3>
      <div className="inline-form">
        <label htmlFor="file-prefix">Path starts with</label>
        <input id="file-prefix" value={prefix} onChange={(e) => { setPrefix(e.target.value); setOffset(0); }} />
      </div>
      <ErrorNote error={files.error} />
      {verifyFailed && (
        <p className="error">This restore point failed its last verify: a file downloaded from it may not be what was
          backed up.</p>
      )}
      <table>
        <caption>Files {offset + 1}–{offset + page.length}</caption>
        <thead>
          <tr><th scope="col">Path</th><th scope="col">Size</th><th scope="col">Modified</th><th scope="col">Owner</th><th scope="col">Mode</th></tr>
        </thead>
        <tbody>
          {page.map((f) => (
            <tr key={f.path}>
              <td>
                {f.type === 'FILE'
                  ? <a href={fileUrl(pointId, f.path, verifyFailed)} download aria-label={`Download ${f.path}`}>{f.path}</a>
                  : <span>{f.path}{f.type === 'DIRECTORY' ? '/' : ''}{f.linkTarget ? ` → ${f.linkTarget}` : ''}</span>}
              </td>
              <td>{f.type === 'FILE' ? bytes(f.size) : f.type.toLowerCase()}</td>
              <td>{dateTime(f.modified)}</td>
              <td>{f.owner ?? ''}{f.group ? `:${f.group}` : ''}</td>
              <td className="mono">{f.mode ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="actions">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous files</button>
        <button type="button" disabled={!more} onClick={() => setOffset(offset + PAGE)}>Next files</button>
      </div>
    </section>
  );
}
