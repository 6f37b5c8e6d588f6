import { useCallback, useEffect, useRef, useState } from 'react';
import { getPage, type Page } from '../api/client';
import { useReload } from './useReload';

export interface Paged<T> {
  /** The newest page followed by every older page loaded so far. */
  items: T[] | undefined;
  error: Error | undefined;
  /** Whether older items exist beyond those loaded. */
  hasOlder: boolean;
  loadingOlder: boolean;
  loadOlder: () => void;
  reload: () => void;
}

/**
 * A newest-first list read page by page: `first` loads the newest page (again every `everyMs`, live pages),
 * `loadOlder` follows the server's next link. A refresh of the newest page keeps the older pages already
 * loaded, as the server's cursors stay valid while newer items arrive.
 */
export function usePaged<T extends { id: string }>(first: () => Promise<Page<T>>, deps: unknown[] = [],
  everyMs?: number): Paged<T> {
  const [newest, setNewest] = useState<Page<T>>();
  const [older, setOlder] = useState<Page<T>>({ items: [] });
  const [error, setError] = useState<Error>();
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [tick, reload] = useReload(everyMs);
  const generation = useRef(0);
  const shownNewest = useRef<Page<T> | undefined>(undefined);
  const olderLoaded = useRef(false);

  useEffect(() => {
    // New filters: the older pages belonged to the previous list.
    generation.current++;
    shownNewest.current = undefined;
    olderLoaded.current = false;
    setNewest(undefined);
    setOlder({ items: [] });
  }, deps);

  useEffect(() => {
    let current = true;
    first()
      .then((page) => {
        if (current) {
          // Items pushed off the newest page by newer ones stay above the older pages already loaded.
          const before = shownNewest.current;
          if (olderLoaded.current && before) {
            setOlder((o) => ({ items: [...before.items, ...o.items], next: o.next }));
          }
          shownNewest.current = page;
          setNewest(page);
          setError(undefined);
        }
      })
      .catch((e: Error) => current && setError(e));
    return () => {
      current = false;
    };
  }, [tick, ...deps]); // the caller names what `first` depends on, as it is a new closure each render

  const next = older.items.length > 0 ? older.next : newest?.next;
  const loadOlder = useCallback(() => {
    if (!next || loadingOlder) {
      return;
    }
    const started = generation.current;
    setLoadingOlder(true);
    getPage<T>(next)
      .then((page) => {
        if (generation.current === started) {
          olderLoaded.current = true;
          setOlder((before) => ({ items: [...before.items, ...page.items], next: page.next }));
        }
      })
      .catch((e: Error) => setError(e))
      .finally(() => setLoadingOlder(false));
  }, [next, loadingOlder]);

  let items: T[] | undefined;
  if (newest) {
    const shown = new Set<string>();
    items = [];
    for (const item of [...newest.items, ...older.items]) {
      if (!shown.has(item.id)) {
        shown.add(item.id);
        items.push(item);
      }
    }
  }
  return { items, error, hasOlder: next != null, loadingOlder, loadOlder, reload };
}
