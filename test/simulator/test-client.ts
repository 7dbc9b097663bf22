import { request } from 'node:https';
import type { SimEndpoint } from './index.ts';

export interface RawResponse {
  status: number;
  reason: string;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: unknown;
  ms: number;
}

export interface CallOptions {
  headers?: Record<string, string>;
  /** Form body (default) or JSON body with `json: true`. */
  body?: Record<string, string | number | boolean>;
  json?: boolean;
  /** Authenticate with the endpoint's admin token (default true unless headers carry authorization or cookie). */
  token?: boolean;
}

/** A bare HTTPS call to a simulator endpoint that trusts its certificate and keeps the reason phrase (tests only). */
export function call(ep: SimEndpoint, method: string, path: string, opts: CallOptions = {}): Promise<RawResponse> {
  const headers: Record<string, string> = { ...(opts.headers ?? {}) };
  const hasAuth = 'authorization' in headers || 'cookie' in headers;
  if ((opts.token ?? !hasAuth) && !hasAuth) {
    headers.authorization =
      ep.kind === 'pve' ? `PVEAPIToken=${ep.tokenId}=${ep.tokenSecret}` : `PBSAPIToken=${ep.tokenId}:${ep.tokenSecret}`;
  }
  let payload: string | undefined;
  if (opts.body) {
    if (opts.json) {
      payload = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    } else {
      payload = new URLSearchParams(Object.entries(opts.body).map(([k, v]) => [k, String(v)])).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
  }
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      { host: ep.host, port: ep.port, method, path: `/api2/json${path}`, headers, ca: ep.certPem, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({
            status: res.statusCode ?? 0,
            reason: res.statusMessage ?? '',
            headers: res.headers,
            text,
            json,
            ms: performance.now() - t0,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

export function data<T = unknown>(r: RawResponse): T {
  if (r.status !== 200) throw new Error(`expected 200, got ${r.status} ${r.reason}: ${r.text.slice(0, 200)}`);
  return (r.json as { data: T }).data;
}

/** Logs in with username/password and returns the cookie and CSRF headers. */
export async function ticketHeaders(
  ep: SimEndpoint,
  user = ep.user,
  password = ep.password,
): Promise<{ cookie: string; csrf: string; ticket: string }> {
  const r = await call(ep, 'POST', '/access/ticket', { body: { username: user, password }, token: false });
  const d = data<{ ticket: string; CSRFPreventionToken: string }>(r);
  const name = ep.kind === 'pve' ? 'PVEAuthCookie' : 'PBSAuthCookie';
  return { cookie: `${name}=${encodeURIComponent(d.ticket)}`, csrf: d.CSRFPreventionToken, ticket: d.ticket };
}

export async function waitTask(
  ep: SimEndpoint,
  node: string,
  upid: string,
  timeoutMs = 5000,
): Promise<Record<string, unknown>> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const st = data<Record<string, unknown>>(
      await call(ep, 'GET', `/nodes/${node}/tasks/${encodeURIComponent(upid)}/status`),
    );
    if (st.status === 'stopped') return st;
    if (Date.now() > until) throw new Error(`task ${upid} still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
