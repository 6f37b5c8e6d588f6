import { createContext, useContext, useEffect, useState, type AnchorHTMLAttributes, type ReactNode } from 'react';

// Console routes live in the URL's fragment (/#/runs/<id>): the server answers every path it does
// not know with the API's 404 problem (its exception mapper takes the unmatched request before
// Quinoa's SPA routing could hand it index.html), so only `/` is sure to load the console, and a
// fragment survives reloads and bookmarks without the server's help.

interface Location {
  path: string;
  query: URLSearchParams;
}

const LocationContext = createContext<Location>({ path: '/', query: new URLSearchParams() });

function current(): Location {
  const fragment = window.location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = fragment.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

export function navigate(to: string): void {
  window.location.hash = to;
}

export function RouterProvider({ children }: { children: ReactNode }) {
  const [location, setLocation] = useState(current);
  useEffect(() => {
    const update = () => setLocation(current());
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return <LocationContext.Provider value={location}>{children}</LocationContext.Provider>;
}

export const useLocation = () => useContext(LocationContext);

/** The parameters of `pattern` (e.g. `/runs/:id`) if the path matches it. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split('/').filter(Boolean);
  const have = path.split('/').filter(Boolean);
  if (want.length !== have.length) {
    return null;
  }
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    if (want[i].startsWith(':')) {
      params[want[i].slice(1)] = decodeURIComponent(have[i]);
    } else if (want[i] !== have[i]) {
      return null;
    }
  }
  return params;
}

export function Link({ to, children, ...rest }: { to: string } & AnchorHTMLAttributes<HTMLAnchorElement>) {
  return <a href={`#${to}`} {...rest}>{children}</a>;
}
