// Every HTTP call of the console goes through here: the session cookie rides along on its own, and
// state-changing calls echo the XSRF-TOKEN cookie in X-XSRF-TOKEN (the server's double-submit check).

import type { components } from './schema';

/** A problem detail as the server sends it, or as the console makes one for a failure that never reached it. */
export type Problem = Partial<components['schemas']['Problem']>;

export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;

  constructor(status: number, problem: Problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }

  /** The message the server gave for one field of the request, if any. */
  fieldMessage(field: string): string | undefined {
    return this.problem.errors?.find((e) => e.field === field)?.message;
  }
}

let onUnauthorized: () => void = () => {};

/** Called when the session has ended (401), so the console can show the sign-in page again. */
export function setUnauthorizedHandler(handler: () => void): void {
  onUnauthorized = handler;
}

export function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) {
      return decodeURIComponent(value.join('='));
    }
  }
  return undefined;
}

type Query = Record<string, string | number | boolean | undefined>;

export function withQuery(path: string, query?: Query): string {
  if (!query) {
    return path;
  }
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') {
      params.set(key, String(value));
    }
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

async function send(method: string, path: string, body?: BodyInit, contentType?: string): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (contentType) {
    headers['Content-Type'] = contentType;
  }
  if (method !== 'GET') {
    const token = readCookie('XSRF-TOKEN');
    if (token) {
      headers['X-XSRF-TOKEN'] = token;
    }
  }
  return fetch(path, { method, headers, body, credentials: 'same-origin' });
}

async function problemOf(response: Response): Promise<Problem> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return { status: response.status, title: response.statusText };
  }
}

export async function request<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body === undefined ? undefined : JSON.stringify(body),
    body === undefined ? undefined : 'application/json');
  if (response.status === 401) {
    onUnauthorized();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, query?: Query) => request<T>('GET', withQuery(path, query));

/** One page of a paged list: its items, and the address of the next (older) page if there is one. */
export interface Page<T> {
  items: T[];
  next?: string;
}

/** The target of the `rel="next"` link of an RFC 8288 Link header, if any. */
export function nextLink(header: string | null): string | undefined {
  for (const part of (header ?? '').split(',')) {
    const link = /<([^>]*)>\s*;\s*rel="?next"?/.exec(part);
    if (link) {
      return link[1];
    }
  }
  return undefined;
}

/** A page of a list; `path` may be a next link the server gave. */
export async function getPage<T>(path: string, query?: Query): Promise<Page<T>> {
  const response = await send('GET', withQuery(path, query));
  if (response.status === 401) {
    onUnauthorized();
  }
  if (!response.ok) {
    throw new ApiError(response.status, await problemOf(response));
  }
  return { items: (await response.json()) as T[], next: nextLink(response.headers.get('Link')) };
}
export const post = <T>(path: string, body?: unknown, query?: Query) => request<T>('POST', withQuery(path, query), body);
export const put = <T>(path: string, body?: unknown) => request<T>('PUT', path, body);
export const del = (path: string) => request<void>('DELETE', path);

/** A form post (the sign-in); answers the response instead of throwing, since 401 and 429 are expected answers. */
export async function postForm(path: string, fields: Record<string, string>): Promise<Response> {
  return send('POST', path, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded');
}
