import type { RoleGrant } from './lib/roles.ts';
import { here, navigate } from './router.ts';
import { Store } from './store.ts';

/** The public HTTP API, as the console uses it: cookie session plus X-CSRF-Token on every non-GET. */
export const API = '/api/v1';

export interface Session {
  /** The login name (`admin`), and the directory's display name when it has one. */
  user: string;
  displayName?: string | null;
  source?: string;
  roles: RoleGrant[];
  csrfToken: string | null;
}

/** undefined while the first /auth/me is in flight, null when signed out. */
export const session = new Store<Session | null | undefined>(undefined);

/** Why the user is on the login page (shown there). */
export const loginNotice = new Store<string>('');

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly body?: unknown,
  ) {
    super(message);
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export function apiUrl(path: string, query?: Query): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined && v !== null && v !== '') p.set(k, String(v));
  const s = p.toString();
  return `${API}${path}${s ? `?${s}` : ''}`;
}

export async function request(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const csrf = session.get()?.csrfToken;
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['x-csrf-token'] = csrf;
  let res: Response;
  try {
    res = await fetch(apiUrl(path, opts.query), {
      method,
      headers,
      credentials: 'same-origin',
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', 'The Strata API cannot be reached. Check your connection and try again.');
  }
  if (res.ok) return res;
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string } } | null;
  const code = body?.error?.code ?? `http_${res.status}`;
  const message = body?.error?.message ?? `${method} ${path} answered ${res.status} ${res.statusText}`;
  if (res.status === 401 && path !== '/auth/login' && path !== '/auth/me') sessionExpired();
  throw new ApiError(res.status, code, message, body);
}

export async function api<T>(
  method: string,
  path: string,
  opts: { query?: Query; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const res = await request(method, path, opts);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  return (text ? JSON.parse(text) : undefined) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>('GET', path, { query, signal });
export const post = <T>(path: string, body?: unknown) => api<T>('POST', path, { body: body ?? {} });
export const patch = <T>(path: string, body: unknown) => api<T>('PATCH', path, { body });
export const del = <T>(path: string) => api<T>('DELETE', path);

/** A 401 on a normal call: the session ended. Back to the login, which returns here afterwards. */
export function sessionExpired(): void {
  if (session.get() === null) return;
  session.set(null);
  loginNotice.set('Your session has ended. Sign in again to continue where you were.');
  const back = here();
  navigate(`/login${back.startsWith('/login') ? '' : `?next=${encodeURIComponent(back)}`}`, { replace: true });
}

export async function loadSession(): Promise<void> {
  try {
    session.set(await api<Session>('GET', '/auth/me'));
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) session.set(null);
    else {
      session.set(null);
      loginNotice.set(e instanceof Error ? e.message : String(e));
    }
  }
}

export async function login(username: string, password: string): Promise<void> {
  const s = await api<Session>('POST', '/auth/login', { body: { username, password } });
  loginNotice.set('');
  session.set(s);
}

export async function logout(): Promise<void> {
  try {
    await api('POST', '/auth/logout', { body: {} });
  } catch {
    // Signed out locally either way.
  }
  session.set(null);
  loginNotice.set('You are signed out.');
  navigate('/login', { replace: true });
}
