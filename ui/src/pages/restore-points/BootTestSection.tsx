import { useState } from 'react';
import { cancelBootTest, startBootTest, type RestorePoint } from '../../api/restorePoints';
import { RequireRole } from '../../auth/AuthContext';
import { ErrorNote } from '../../components/Status';
import { dateTime } from '../../format';

/** Seconds with one decimal: a boot under TCG takes seconds, and tenths tell runs apart. */
export function bootTime(millis: number | null): string {
  return millis == null ? '—' : `${(millis / 1000).toFixed(1)} s`;
}

/**
 * The point's newest boot test: its verdict, how long the guest took to prove it was up, what proved it (or
 * what failed), the guest's screen at the end and its serial log. Operators start and cancel tests here.
 */
export function BootTestSection({ point, onChanged }: { point: RestorePoint; onChanged: () => void }) {
  const [error, setError] = useState<string>();
  const [checkCommand, setCheckCommand] = useState('');
  const test = point.bootTest;
  const running = test?.status === 'RUNNING';
  const act = (action: () => Promise<unknown>) => {
    setError(undefined);
    action().then(onChanged, (e: Error) => setError(e.message));
  };
  const start = () => {
    const words = checkCommand.trim() ? checkCommand.trim().split(/\s+/) : undefined;
    act(() => startBootTest(point.id, words ? { checkCommand: words } : {}));
  };
  return (
    <section aria-labelledby="boot-test-title">
      <h3 id="boot-test-title">Boot test</h3>
      {test ? (
        <dl className="facts">
          <dt>Status</dt>
          <dd><span className={`status status-${test.status.toLowerCase()}`} data-testid="boot-test-status">{test.status}</span>
            {' '}{running ? `since ${dateTime(test.startedAt)}` : `at ${dateTime(test.at)}`}</dd>
          <dt>Boot time</dt><dd>{bootTime(test.bootMillis)}</dd>
          <dt>Evidence</dt><dd>{test.evidence ?? (running ? 'the guest is booting…' : '—')}</dd>
          {test.serialLogUrl && (
            <><dt>Serial log</dt><dd><a href={test.serialLogUrl} target="_blank" rel="noreferrer">Open the serial log</a></dd></>
          )}
        </dl>
      ) : (
        <p>This point has not been boot-tested: nothing has shown yet that its disks hold a system that boots.</p>
      )}
      {test?.screenshotUrl && (
        <img className="boot-screenshot" src={test.screenshotUrl} alt="The guest's screen at the end of the boot test" />
      )}
      <ErrorNote error={error} />
      <RequireRole role="operator">
        <div className="actions">
          {running ? (
            <button type="button" onClick={() => act(() => cancelBootTest(point.id))}>Cancel the boot test</button>
          ) : (
            <>
              <label htmlFor="boot-check">Check command (optional)</label>
              <input id="boot-check" value={checkCommand} placeholder="/usr/bin/systemctl is-system-running"
                onChange={(e) => setCheckCommand(e.target.value)} />
              <button type="button" onClick={start}>Start a boot test</button>
            </>
          )}
        </div>
      </RequireRole>
    </section>
  );
}
