import type { Paged } from './usePaged';

/** The button under a paged list that loads its next, older page. */
export function LoadOlder<T extends { id: string }>({ list, what }: { list: Paged<T>; what: string }) {
  if (!list.hasOlder) {
    return null;
  }
  return (
    <p className="load-older">
      <button type="button" onClick={list.loadOlder} disabled={list.loadingOlder}>
        {list.loadingOlder ? 'Loading…' : `Load older ${what}`}
      </button>
    </p>
  );
}
