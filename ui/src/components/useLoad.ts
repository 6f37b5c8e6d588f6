import { useEffect, useState } from 'react';
import { useReload } from './useReload';

export interface Loaded<T> {
  data: T | undefined;
  error: Error | undefined;
  reload: () => void;
}

/** Loads once, again on `reload()`, and every `everyMs` if given (live pages). */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = [], everyMs?: number): Loaded<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<Error>();
  const [tick, reload] = useReload(everyMs);
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
  return { data, error, reload };
}
