import { useCallback, useEffect, useState } from 'react';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/** Loads once, again on `reload()`, and every `everyMs` if given (live pages). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = [], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let current = true;
    load()
      .then((value) => {
        if (current) {
          setData(value);
          setError(undefined);
        }
      })
      .catch((e: Error) => current && setError(e));
    return () => {
      current = false;
    };
  }, [tick, ...deps]); // the caller names what `load` depends on, as it is a new closure each render
  useEffect(() => {
    if (!everyMs) {
      return;
    }
    const timer = setInterval(reload, everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);
  return { data, error, reload };
}
