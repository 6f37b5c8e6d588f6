import { useEffect, useState } from 'react';

interface Live {
  finishedAt: string | null;
}

/**
 * Follows a run or restore while it works: server-sent events from `eventsUrl`, and when the stream
 * cannot be opened or breaks off before the end, polling `fetchOne` every second instead.
 */
export function useLive<T extends Live>(initial: T, eventsUrl: string, fetchOne: () => Promise<T>): T {
  const [value, setValue] = useState(initial);
  useEffect(() => {
    if (initial.finishedAt) {
      return;
    }
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = () => {
      fetchOne()
        .then((next) => {
          if (stopped) {
            return;
          }
          setValue(next);
          if (!next.finishedAt) {
            timer = setTimeout(poll, 1000);
          }
        })
        .catch(() => {
          if (!stopped) {
            timer = setTimeout(poll, 2000);
          }
        });
    };
    let finished = false;
    const source = typeof EventSource === 'undefined' ? null : new EventSource(eventsUrl);
    if (source) {
      source.onmessage = (event) => {
        const next = JSON.parse(event.data) as T;
        setValue(next);
        finished = next.finishedAt != null;
      };
      source.onerror = () => {
        source.close();
        if (!finished && !stopped) {
          poll();
        }
      };
    } else {
      poll();
    }
    return () => {
      stopped = true;
      source?.close();
      clearTimeout(timer);
    };
    // The subscription is per object; later snapshots of it must not restart the stream.
  }, [eventsUrl]);
  return value;
}
