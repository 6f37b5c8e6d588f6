import { useCallback, useEffect, useState } from 'react';

/**
 * A counter that `reload()` advances, and a timer every `everyMs` too (live pages): a loading effect that
 * depends on it runs again each time.
 */
export function useReload(everyMs?: number): [number, () => void] {
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    if (!everyMs) {
      return;
    }
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);
  return [tick, reload];
}
