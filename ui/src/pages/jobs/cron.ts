export const CRON_FIELDS = ['seconds', 'minutes', 'hours', 'day of month', 'month', 'day of week', 'year'];

const ALLOWED = /^[0-9A-Za-z*?/,#-]+$/;
const RANGES: Record<number, [number, number]> = { 0: [0, 59], 1: [0, 59], 2: [0, 23], 3: [1, 31], 4: [1, 12] };

/**
 * What is wrong with a Quartz cron expression as far as the console can tell while it is typed, or
 * null; the server has the last word when the job is saved.
 */
export function cronProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).filter(Boolean);
  if (fields.length < 6 || fields.length > 7) {
    return `A Quartz cron expression has 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]); this one has ${fields.length}.`;
  }
  for (let i = 0; i < fields.length; i++) {
    if (!ALLOWED.test(fields[i])) {
      return `The ${CRON_FIELDS[i]} field '${fields[i]}' holds characters cron does not use.`;
    }
    if (fields[i].includes('?') && i !== 3 && i !== 5) {
      return `'?' only stands in the day-of-month or day-of-week field, not in ${CRON_FIELDS[i]}.`;
    }
    const range = RANGES[i];
    if (range) {
      for (const number of fields[i].split(/[,/-]/).filter((part) => /^\d+$/.test(part))) {
        const n = Number(number);
        if (n < range[0] || n > range[1]) {
          return `The ${CRON_FIELDS[i]} field allows ${range[0]} to ${range[1]}, not ${n}.`;
        }
      }
    }
  }
  if ((fields[3] === '?') === (fields[5] === '?')) {
    return "Quartz needs '?' in exactly one of day-of-month and day-of-week, e.g. '0 0 2 * * ?'.";
  }
  return null;
}
