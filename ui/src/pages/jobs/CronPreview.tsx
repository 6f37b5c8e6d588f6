import { CRON_FIELDS, cronProblem } from './cron';

interface Props {
  schedule: string;
  timeZone: string;
  /** The server's next fire times of the saved schedule, if it has been saved. */
  nextFireTimes?: string[];
  /** The server's objection to the schedule, which outranks the console's own check. */
  serverError?: string;
}

function inZone(iso: string, timeZone: string): string {
  try {
    return new Date(iso).toLocaleString(undefined, { timeZone, dateStyle: 'full', timeStyle: 'short' });
  } catch {
    return new Date(iso).toISOString();
  }
}

export function CronPreview({ schedule, timeZone, nextFireTimes, serverError }: Props) {
  const problem = serverError ?? (schedule.trim() ? cronProblem(schedule) : null);
  const fields = schedule.trim().split(/\s+/).filter(Boolean);
  return (
    <div className="cron-preview" aria-live="polite">
      {problem ? (
        <p id="schedule-problem" className="error">{problem}</p>
      ) : fields.length > 0 && (
        <p className="muted">
          {fields.map((value, i) => `${CRON_FIELDS[i]} ${value}`).join(' · ')} ({timeZone || 'UTC'})
        </p>
      )}
      {nextFireTimes && nextFireTimes.length > 0 && (
        <>
          <p>Next fire times:</p>
          <ol className="fire-times">
            {nextFireTimes.map((t) => <li key={t}><time dateTime={t}>{inZone(t, timeZone || 'UTC')}</time></li>)}
          </ol>
        </>
      )}
      {nextFireTimes && nextFireTimes.length === 0 && <p className="muted">No fires ahead: the job is disabled.</p>}
      {!nextFireTimes && !problem && <p className="muted">The next fire times show once the job is saved.</p>}
    </div>
  );
}
