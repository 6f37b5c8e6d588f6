const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function bytes(n: number | null | undefined): string {
  if (n == null || n < 0) {
    return '—';
  }
  let value = n;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

export function duration(ms: number | null | undefined): string {
  if (ms == null) {
    return '—';
  }
  if (ms < 1000) {
    return `${Math.round(ms)} ms`;
  }
  const seconds = ms / 1000;
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ${Math.round(seconds % 60)} s`;
  }
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** How long ago `iso` was, in words ("5 min ago"). */
export function age(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) {
    return 'never';
  }
  return `${duration(Math.max(0, now - Date.parse(iso)))} ago`;
}

export function dateTime(iso: string | null | undefined, timeZone?: string): string {
  if (!iso) {
    return '—';
  }
  return new Date(iso).toLocaleString(undefined, { timeZone, dateStyle: 'medium', timeStyle: 'medium' });
}

export const STALE_AFTER_MS = 24 * 60 * 60 * 1000;

/** A VM whose newest restore point is older than a day, or that has none, is stale. */
export function isStale(lastRestorePointAt: string | null, now: number = Date.now()): boolean {
  return !lastRestorePointAt || now - Date.parse(lastRestorePointAt) > STALE_AFTER_MS;
}
