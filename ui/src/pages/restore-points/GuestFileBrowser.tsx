import { useEffect, useState } from 'react';
import {
  cancelGuestRestore, childPath, getGuestRestore, guestArchiveUrl, guestFileUrl, isStarting, listGuestFiles,
  listGuestFileSystems, startGuestRestore, type GuestFileSystem, type GuestListing, type GuestRestore,
} from '../../api/guestFiles';
import { ApiError } from '../../api/client';
import { RequireRole } from '../../auth/AuthContext';
import { ErrorNote } from '../../components/Status';
import { bytes, dateTime } from '../../format';

const PAGE = 100;
const FINISHED = ['SUCCEEDED', 'FAILED', 'CANCELLED'];

/**
 * A restore point's disks as the guest saw them, read by the server in an appliance that starts on first
 * use (tens of seconds): file systems, a folder at a time with breadcrumbs, downloads of a file or a folder
 * (tar), and a restore of the chosen files and folders to a new folder under the restore roots.
 */
export function GuestFileBrowser({ pointId, verifyFailed }: { pointId: string; verifyFailed: boolean }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <section aria-labelledby="guest-files-title">
        <h3 id="guest-files-title">Guest files</h3>
        <button type="button" onClick={() => setOpen(true)}>Browse guest files</button>
      </section>
    );
  }
  return <OpenBrowser pointId={pointId} forced={verifyFailed} />;
}

/** Calls `load` and again after each 202 "starting" answer, as the server asks; `undefined` while waiting. */
function useStartingLoad<T>(load: () => Promise<T | { status: 'starting'; retryAfterSeconds: number }>, deps: unknown[]) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [startingFor, setStartingFor] = useState<number>();
  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = () => {
      load()
        .then((value) => {
          if (!current) {
            return;
          }
          if (isStarting(value)) {
            setStartingFor(value.retryAfterSeconds);
            timer = setTimeout(attempt, Math.min(5, Math.max(1, value.retryAfterSeconds)) * 1000);
            return;
          }
          setStartingFor(undefined);
          setError(undefined);
          setData(value as T);
        })
        .catch((e: Error) => current && setError(e));
    };
    setData(undefined);
    attempt();
    return () => {
      current = false;
      if (timer) {
        clearTimeout(timer);
      }
    };
  }, deps); // the caller names what `load` depends on
  return { data, error, startingFor };
}

function OpenBrowser({ pointId, forced }: { pointId: string; forced: boolean }) {
  const fileSystems = useStartingLoad<GuestFileSystem[]>(() => listGuestFileSystems(pointId, forced), [pointId, forced]);
  const [fs, setFs] = useState<string>();
  const usable = (fileSystems.data ?? []).filter((f) => !f.problem);
  const chosen = fs ?? usable[0]?.device;
  return (
    <section aria-labelledby="guest-files-title">
      <h3 id="guest-files-title">Guest files</h3>
      {forced && (
        <p className="error">This restore point failed its last verify: what it shows may not be what was backed up.</p>
      )}
      <ErrorNote error={fileSystems.error} />
      {fileSystems.startingFor !== undefined && <Starting seconds={fileSystems.startingFor} />}
      {fileSystems.data && (
        <>
          <div className="inline-form">
            <label htmlFor="guest-fs">File system</label>
            <select id="guest-fs" value={chosen ?? ''} onChange={(e) => setFs(e.target.value)}>
              {fileSystems.data.map((f) => (
                <option key={f.device} value={f.device} disabled={!!f.problem}>
                  {describe(f)}
                </option>
              ))}
            </select>
          </div>
          <ul className="notes">
            {fileSystems.data.filter((f) => f.problem).map((f) => (
              <li key={f.device}>{f.device}: {f.problem}</li>
            ))}
          </ul>
          {chosen && <Folder key={chosen} pointId={pointId} fs={chosen} forced={forced} />}
        </>
      )}
    </section>
  );
}

function describe(f: GuestFileSystem): string {
  const parts = [f.device, f.type];
  if (f.label) {
    parts.push(`"${f.label}"`);
  }
  if (f.mountPoint) {
    parts.push(`mounted at ${f.mountPoint}`);
  }
  if (f.sizeBytes !== null) {
    parts.push(bytes(f.sizeBytes));
  }
  return parts.join(' · ');
}

function Starting({ seconds }: { seconds: number }) {
  return (
    <p role="status">Starting the appliance that reads this restore point's disks; about {seconds} s to go.</p>
  );
}

function Folder({ pointId, fs, forced }: { pointId: string; fs: string; forced: boolean }) {
  const [path, setPath] = useState('/');
  const [offset, setOffset] = useState(0);
  const [selected, setSelected] = useState<string[]>([]);
  const listing = useStartingLoad<GuestListing>(() => listGuestFiles(pointId, fs, path, PAGE, offset, forced),
    [pointId, fs, path, offset, forced]);
  const go = (to: string) => {
    setPath(to);
    setOffset(0);
  };
  const toggle = (item: string) =>
    setSelected((current) => (current.includes(item) ? current.filter((s) => s !== item) : [...current, item]));
  const segments = path.split('/').filter(Boolean);
  const entries = listing.data?.entries ?? [];
  return (
    <>
      <nav aria-label="Guest path" className="breadcrumbs">
        <button type="button" onClick={() => go('/')}>{fs}</button>
        {segments.map((segment, i) => (
          <span key={i}>
            {' / '}
            <button type="button" onClick={() => go(`/${segments.slice(0, i + 1).join('/')}`)}>{segment}</button>
          </span>
        ))}
      </nav>
      <ErrorNote error={listing.error} />
      {listing.startingFor !== undefined && <Starting seconds={listing.startingFor} />}
      {listing.data && (
        <table>
          <caption>{path}: {listing.data.total} entries{listing.data.total > PAGE ? `, ${offset + 1}–${offset + entries.length} shown` : ''}</caption>
          <thead>
            <tr>
              <th scope="col">Choose</th><th scope="col">Name</th><th scope="col">Size</th><th scope="col">Modified</th>
              <th scope="col">Owner</th><th scope="col">Mode</th><th scope="col">Download</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const item = childPath(path, e.name);
              return (
                <tr key={e.name}>
                  <td>
                    {(e.type === 'file' || e.type === 'directory') && (
                      <input type="checkbox" aria-label={`Choose ${e.name}`} checked={selected.includes(item)}
                        onChange={() => toggle(item)} />
                    )}
                  </td>
                  <td>
                    {e.type === 'directory'
                      ? <button type="button" className="link" onClick={() => go(item)}>{e.name}/</button>
                      : <span>{e.name}{e.linkTarget !== null ? ` → ${e.linkTarget}` : ''}</span>}
                  </td>
                  <td>{e.type === 'file' ? bytes(e.size) : e.type}</td>
                  <td>{dateTime(e.modified)}</td>
                  <td className="mono">{e.uid}:{e.gid}</td>
                  <td className="mono">{e.mode}</td>
                  <td>
                    {e.type === 'file' && (
                      <a href={guestFileUrl(pointId, fs, item, forced)} download aria-label={`Download ${e.name}`}>file</a>
                    )}
                    {e.type === 'directory' && (
                      <a href={guestArchiveUrl(pointId, fs, item, forced)} download aria-label={`Download ${e.name} as tar`}>tar</a>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {listing.data && listing.data.total > PAGE && (
        <div className="actions">
          <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>Previous entries</button>
          <button type="button" disabled={offset + PAGE >= listing.data.total} onClick={() => setOffset(offset + PAGE)}>
            Next entries
          </button>
        </div>
      )}
      <RequireRole role="operator">
        <RestoreSelection pointId={pointId} fs={fs} selected={selected} forced={forced} />
      </RequireRole>
    </>
  );
}

function RestoreSelection({ pointId, fs, selected, forced }: { pointId: string; fs: string; selected: string[]; forced: boolean }) {
  const [target, setTarget] = useState('');
  const [error, setError] = useState<Error>();
  const [restore, setRestore] = useState<GuestRestore>();
  useEffect(() => {
    if (!restore || FINISHED.includes(restore.status)) {
      return;
    }
    const timer = setTimeout(() => {
      getGuestRestore(restore.id).then(setRestore).catch(setError);
    }, 1000);
    return () => clearTimeout(timer);
  }, [restore]);
  const start = () => {
    setError(undefined);
    startGuestRestore(pointId, fs, selected, target, forced).then(setRestore).catch(setError);
  };
  const pathError = error instanceof ApiError ? error.fieldMessage('path') : undefined;
  return (
    <div className="card">
      <p>{selected.length === 0 ? 'Choose files or folders to restore.' : `Chosen: ${selected.join(', ')}`}</p>
      <div className="inline-form">
        <label htmlFor="guest-restore-path">Restore to a new folder</label>
        <input id="guest-restore-path" value={target} placeholder="/srv/restores/ticket-4711"
          onChange={(e) => setTarget(e.target.value)} aria-invalid={pathError ? true : undefined} />
        <button type="button" className="primary" disabled={selected.length === 0 || !target.trim()
          || (restore !== undefined && !FINISHED.includes(restore.status))} onClick={start}>
          Restore selection
        </button>
      </div>
      <ErrorNote error={error} />
      {restore && (
        <p role="status">
          Restore {restore.status.toLowerCase()}: {bytes(restore.bytesCopied)} of about {bytes(restore.bytesTotal)},
          {' '}{restore.itemsDone} of {restore.paths.length} items, into {restore.targetPath}
          {restore.error ? ` (${restore.error})` : ''}
          {!FINISHED.includes(restore.status) && (
            <button type="button" onClick={() => cancelGuestRestore(restore.id).then(setRestore).catch(setError)}>Cancel</button>
          )}
        </p>
      )}
    </div>
  );
}
