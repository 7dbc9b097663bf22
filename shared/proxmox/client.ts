import { setTimeout as sleep } from 'node:timers/promises';
import pLimit, { type LimitFunction } from 'p-limit';
import { Agent, request } from 'undici';
import type { Logger } from '../logger.ts';
import { checkTokenId, needsCsrf, ticketCookie, tokenAuthorization } from './auth-header.ts';
import { CallStats, type CallStatsSnapshot } from './call-stats.ts';
import { checkPath, formBody, joinPath, jsonBody, type Params, queryString } from './encoding.ts';
import { endpointTemplate } from './endpoint-template.ts';
import {
  type CallContext,
  errorFromResponse,
  errorFromTransport,
  failedBeforeSending,
  type TimeoutSettings,
} from './error-mapping.ts';
import { AuthenticationError, ClientConfigError, ProxmoxError } from './errors.ts';
import { normalizeFingerprint } from './fingerprint.ts';
import { backoffDelay, DEFAULT_RETRY, isRetryable, type RetryOptions } from './retry-policy.ts';
import { type TaskResult, type WaitForTaskOptions, waitForTask } from './task-waiter.ts';
import { type Ticket, type TicketLoginResult, TicketSession } from './ticket-session.ts';
import { pinnedConnector, type TlsPin } from './tls-pinning.ts';
import { DEFAULT_PORT, type HttpMethod, hostLabel, PRODUCT_NAME, type ProxmoxKind } from './types.ts';

export type ProxmoxAuth =
  | { type: 'token'; tokenId: string; secret: string }
  | { type: 'password'; username: string; password: string };

export interface FallbackHost {
  host: string;
  port?: number;
  /** This host's certificate fingerprint, when it differs from the main one (each PVE node has its own). */
  fingerprint?: string;
}

export interface ProxmoxClientOptions {
  kind: ProxmoxKind;
  host: string;
  /** Default 8006 for PVE, 8007 for PBS. */
  port?: number;
  /** Hosts tried in turn when the current one cannot be reached (e.g. the other nodes of a cluster). */
  fallbackHosts?: Array<string | FallbackHost>;
  /** Pin: the SHA-256 fingerprint of the server's certificate. */
  fingerprint?: string;
  /** Pin: the CA (PEM) that signed the server's certificate, e.g. /etc/pve/pve-root-ca.pem. */
  caPem?: string;
  auth: ProxmoxAuth;
  /** Requests in flight per host; more wait their turn. Default 4. */
  maxConcurrentPerHost?: number;
  timeouts?: Partial<TimeoutSettings>;
  /** Retries of idempotent calls: a number of extra attempts, or the full policy. */
  retries?: number | Partial<RetryOptions>;
  /** Renew a login ticket this old (default 1 h); tickets live 2 h. */
  ticketRenewAfterMs?: number;
  /** Log in afresh instead of renewing past this age (default 1 h 55 min). */
  ticketMaxAgeMs?: number;
  logger?: Logger;
}

export interface CallOptions {
  /** Query parameters (GET, DELETE) — booleans are sent as 1/0. */
  query?: Params;
  signal?: AbortSignal;
}

export interface WriteOptions extends CallOptions {
  /** Send the body as JSON (booleans stay true/false) instead of a form. */
  json?: boolean;
}

/** A path as a string (`/nodes/pve1/qemu`, already encoded) or as segments (each is encoded). */
export type ApiPath = string | ReadonlyArray<string | number>;

export interface ProxmoxResponse<T> {
  data: T;
  status: number;
  /** PVE's `total` (paged listings), when present. */
  total?: number;
}

export const DEFAULT_TIMEOUTS: TimeoutSettings = { connectMs: 5000, headersMs: 30000, bodyMs: 30000 };
export const DEFAULT_MAX_CONCURRENT_PER_HOST = 4;

/** The abort reason of a call whose response headers did not come in time. */
const HEADERS_DEADLINE = new Error('headers deadline');

interface Target {
  host: string;
  port: number;
  label: string;
  fingerprint?: string;
}

type AuthUse = { kind: 'token' } | { kind: 'ticket'; ticket: Ticket } | { kind: 'login' };

function checkHost(host: string): string {
  if (!host || /[/\s?#@]/.test(host) || /^[a-z]+:/i.test(host.replace(/^\[.*\]$/, ''))) {
    throw new ClientConfigError(
      `"${host.slice(0, 100)}" is not a host name or address; give only the host (e.g. pve1.example.com or 10.0.0.5), with the port separately.`,
    );
  }
  return host.replace(/^\[|\]$/g, '');
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new ClientConfigError(`${port} is not a TCP port; give a number from 1 to 65535 (PVE uses 8006, PBS 8007).`);
  }
  return port;
}

/**
 * HTTP client for one Proxmox VE cluster or Proxmox Backup Server: pinned TLS, API token or ticket login,
 * bounded concurrency per host, timeouts, retries for idempotent calls, typed errors and call counts.
 */
export class ProxmoxClient {
  readonly kind: ProxmoxKind;
  readonly #targets: Target[];
  #preferred = 0;
  #agent: Agent;
  readonly #connector: ReturnType<typeof pinnedConnector>;
  /** Pools replaced by setMaxConcurrentPerHost, closing once their calls finish. */
  readonly #retired: Promise<void>[] = [];
  readonly #limiters = new Map<string, LimitFunction>();
  #maxConcurrent: number;
  readonly #timeouts: TimeoutSettings;
  readonly #retry: RetryOptions;
  readonly #stats = new CallStats();
  readonly #logger: Logger | undefined;
  readonly #principal: string;
  readonly #tokenHeader: string | undefined;
  readonly #session: TicketSession | undefined;
  #closed = false;

  constructor(options: ProxmoxClientOptions) {
    if (options.kind !== 'pve' && options.kind !== 'pbs') {
      throw new ClientConfigError(`"${String(options.kind)}" is not a Proxmox kind; use "pve" or "pbs".`);
    }
    this.kind = options.kind;
    if (options.fingerprint === undefined && options.caPem === undefined) {
      throw new ClientConfigError(
        `No certificate pin for ${PRODUCT_NAME[this.kind]} at ${options.host}: give its SHA-256 fingerprint (read it with fetchFingerprint and confirm it) or its CA certificate.`,
      );
    }
    const mainFingerprint = options.fingerprint === undefined ? undefined : normalizeFingerprint(options.fingerprint);
    const defaultPort = DEFAULT_PORT[this.kind];
    const target = (host: string, port: number | undefined, fingerprint: string | undefined): Target => {
      const h = checkHost(host);
      const p = checkPort(port ?? defaultPort);
      return {
        host: h,
        port: p,
        label: hostLabel(h, p),
        ...(fingerprint === undefined ? {} : { fingerprint: normalizeFingerprint(fingerprint) }),
      };
    };
    this.#targets = [
      target(options.host, options.port, mainFingerprint),
      ...(options.fallbackHosts ?? []).map((f) =>
        typeof f === 'string'
          ? target(f, undefined, mainFingerprint)
          : target(f.host, f.port, f.fingerprint ?? mainFingerprint),
      ),
    ];
    this.#maxConcurrent = options.maxConcurrentPerHost ?? DEFAULT_MAX_CONCURRENT_PER_HOST;
    if (!Number.isInteger(this.#maxConcurrent) || this.#maxConcurrent < 1) {
      throw new ClientConfigError(`maxConcurrentPerHost is ${this.#maxConcurrent}; give a whole number of 1 or more.`);
    }
    this.#timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const retries = typeof options.retries === 'number' ? { retries: options.retries } : options.retries;
    this.#retry = { ...DEFAULT_RETRY, ...retries };
    this.#logger = options.logger;

    const auth = options.auth;
    if (auth.type === 'token') {
      this.#principal = checkTokenId(auth.tokenId);
      this.#tokenHeader = tokenAuthorization(this.kind, auth.tokenId, auth.secret);
    } else if (auth.type === 'password') {
      if (!/^[^\s:/]+@[A-Za-z][A-Za-z0-9.\-_]*$/.test(auth.username) || !auth.password) {
        throw new ClientConfigError(
          `Log in to ${PRODUCT_NAME[this.kind]} needs a user name with its realm (e.g. root@pam) and a password; "${auth.username.slice(0, 100)}" with ${auth.password ? 'a' : 'no'} password was given.`,
        );
      }
      this.#principal = auth.username;
      this.#session = new TicketSession(
        {
          username: auth.username,
          login: (username, password) => this.login(username, password),
          ...(options.ticketRenewAfterMs === undefined ? {} : { renewAfterMs: options.ticketRenewAfterMs }),
          ...(options.ticketMaxAgeMs === undefined ? {} : { maxAgeMs: options.ticketMaxAgeMs }),
        },
        auth.password,
      );
    } else {
      throw new ClientConfigError('auth.type must be "token" or "password".');
    }

    const pins = new Map(this.#targets.map((t) => [t.label, t.fingerprint]));
    const caPem = options.caPem;
    this.#connector = pinnedConnector({
      kind: this.kind,
      connectTimeoutMs: this.#timeouts.connectMs,
      pinFor: (hostname, port): TlsPin => {
        const fingerprint = pins.get(hostLabel(hostname, port)) ?? mainFingerprint;
        return {
          ...(fingerprint === undefined ? {} : { fingerprint }),
          ...(caPem === undefined ? {} : { caPem }),
        };
      },
      onConnected: () => this.#stats.recordConnection(),
    });
    this.#agent = this.newAgent();
  }

  private newAgent(): Agent {
    return new Agent({
      connections: this.#maxConcurrent,
      pipelining: 1,
      // pveproxy drops idle connections after 5 s: give ours back before that.
      keepAliveTimeout: 4000,
      keepAliveMaxTimeout: 4000,
      headersTimeout: this.#timeouts.headersMs,
      bodyTimeout: this.#timeouts.bodyMs,
      connect: this.#connector,
    });
  }

  /**
   * Changes the requests in flight per host (and the connections kept per host) from now on. The pool
   * opens as many connections as it is allowed whenever every open one is momentarily busy, so a caller
   * that learns how many calls it will really run at once (the crawl, once it knows the cluster's nodes)
   * sizes it to that: each connection is a full TLS handshake on both sides. Calls in flight finish on
   * the connections they have.
   */
  setMaxConcurrentPerHost(n: number): void {
    if (!Number.isInteger(n) || n < 1) {
      throw new ClientConfigError(`maxConcurrentPerHost is ${n}; give a whole number of 1 or more.`);
    }
    if (n === this.#maxConcurrent || this.#closed) return;
    this.#maxConcurrent = n;
    for (const limit of this.#limiters.values()) limit.concurrency = n;
    const old = this.#agent;
    this.#agent = this.newAgent();
    this.#retired.push(old.close().catch(() => {}));
  }

  /** `host:port` of the host calls currently go to. */
  get currentHost(): string {
    return this.#targets[this.#preferred]!.label;
  }

  /** Ticket logins and renewals done (password auth only). */
  get sessionCounts(): { logins: number; renewals: number } {
    return this.#session?.counts ?? { logins: 0, renewals: 0 };
  }

  stats(): CallStatsSnapshot {
    return this.#stats.snapshot();
  }

  resetStats(): void {
    this.#stats.reset();
  }

  get<T = unknown>(path: ApiPath, query?: Params, options: Omit<CallOptions, 'query'> = {}): Promise<T> {
    return this.request<T>('GET', path, { ...options, ...(query ? { query } : {}) }).then((r) => r.data);
  }

  post<T = unknown>(path: ApiPath, body?: Params | Record<string, unknown>, options: WriteOptions = {}): Promise<T> {
    return this.request<T>('POST', path, { ...options, body }).then((r) => r.data);
  }

  put<T = unknown>(path: ApiPath, body?: Params | Record<string, unknown>, options: WriteOptions = {}): Promise<T> {
    return this.request<T>('PUT', path, { ...options, body }).then((r) => r.data);
  }

  delete<T = unknown>(path: ApiPath, query?: Params, options: Omit<CallOptions, 'query'> = {}): Promise<T> {
    return this.request<T>('DELETE', path, { ...options, ...(query ? { query } : {}) }).then((r) => r.data);
  }

  /** Polls a task until it stops; see task-waiter.ts. */
  waitForTask(upid: string, options: WaitForTaskOptions = {}): Promise<TaskResult> {
    return waitForTask(this, upid, options);
  }

  /** One API call with retries (GET only), re-login on an expired ticket, and host fallback. */
  async request<T>(
    method: HttpMethod,
    path: ApiPath,
    options: WriteOptions & { body?: Params | Record<string, unknown> | undefined } = {},
  ): Promise<ProxmoxResponse<T>> {
    if (this.#closed) {
      throw new ClientConfigError(`This ${PRODUCT_NAME[this.kind]} client was closed; create a new one.`);
    }
    const apiPath = typeof path === 'string' ? checkPath(path) : joinPath(path);
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.callWithAuth<T>(method, apiPath, options);
      } catch (err) {
        const error = err instanceof ProxmoxError ? err : new ProxmoxError('HTTP', String(err), { cause: err });
        if (attempt >= this.#retry.retries || !isRetryable(method, error) || options.signal?.aborted) throw error;
        const delay = backoffDelay(attempt, this.#retry);
        this.#logger?.debug(
          { host: error.host, endpoint: `${method} ${endpointTemplate(apiPath)}`, code: error.code, delay },
          'proxmox call failed, retrying',
        );
        this.#stats.recordRetry();
        try {
          await sleep(delay, undefined, options.signal ? { signal: options.signal } : {});
        } catch (abort) {
          throw new ProxmoxError(
            'ABORTED',
            `The call ${method} ${apiPath} was cancelled by the caller while waiting to retry.`,
            {
              ...(error.host ? { host: error.host } : {}),
              endpoint: `${method} ${apiPath}`,
              cause: abort,
            },
          );
        }
      }
    }
  }

  private async callWithAuth<T>(
    method: HttpMethod,
    path: string,
    options: WriteOptions & { body?: Params | Record<string, unknown> | undefined },
  ): Promise<ProxmoxResponse<T>> {
    if (!this.#session) return this.callAnyHost<T>(method, path, options, { kind: 'token' });
    const ticket = await this.#session.get();
    try {
      return await this.callAnyHost<T>(method, path, options, { kind: 'ticket', ticket });
    } catch (err) {
      // 401 on a ticket: it expired or was revoked. Nothing ran on the server, so log in once and redo.
      if (!(err instanceof AuthenticationError) || err.status !== 401) throw err;
      this.#session.invalidate(ticket.ticket);
      const fresh = await this.#session.get();
      return this.callAnyHost<T>(method, path, options, { kind: 'ticket', ticket: fresh });
    }
  }

  /** POST /access/ticket; used by the ticket session for logins and renewals. */
  private async login(username: string, password: string): Promise<TicketLoginResult> {
    this.#stats.recordLogin();
    const { data } = await this.callAnyHost<Record<string, unknown> | null>(
      'POST',
      '/access/ticket',
      { body: { username, password } },
      { kind: 'login' },
    );
    if (data?.NeedTFA) {
      throw new AuthenticationError(
        `${PRODUCT_NAME[this.kind]} at ${this.currentHost} asks ${username} for a second factor (TFA); use an API token for Strata instead.`,
        { host: this.currentHost, endpoint: 'POST /access/ticket', status: 200 },
      );
    }
    if (typeof data?.ticket !== 'string' || typeof data.CSRFPreventionToken !== 'string') {
      throw new ProxmoxError(
        'INVALID_RESPONSE',
        `${PRODUCT_NAME[this.kind]} at ${this.currentHost} answered the login without a ticket; check the address points at ${PRODUCT_NAME[this.kind]}.`,
        { host: this.currentHost, endpoint: 'POST /access/ticket' },
      );
    }
    return {
      ticket: data.ticket,
      CSRFPreventionToken: data.CSRFPreventionToken,
      ...(typeof data.username === 'string' ? { username: data.username } : {}),
    };
  }

  /** Tries the preferred host, then the others in turn while hosts cannot be reached at all. */
  private async callAnyHost<T>(
    method: HttpMethod,
    path: string,
    options: WriteOptions & { body?: Params | Record<string, unknown> | undefined },
    auth: AuthUse,
  ): Promise<ProxmoxResponse<T>> {
    const count = this.#targets.length;
    const start = this.#preferred;
    for (let k = 0; ; k++) {
      const index = (start + k) % count;
      try {
        const result = await this.exchange<T>(this.#targets[index]!, method, path, options, auth);
        this.#preferred = index;
        return result;
      } catch (err) {
        if (k + 1 >= count || !(err instanceof ProxmoxError) || !failedBeforeSending(err)) throw err;
        this.#stats.recordHostSwitch();
        this.#logger?.warn(
          { host: this.#targets[index]!.label, next: this.#targets[(index + 1) % count]!.label, code: err.code },
          'proxmox host unreachable, trying the next one',
        );
      }
    }
  }

  private limiter(target: Target): LimitFunction {
    let limit = this.#limiters.get(target.label);
    if (!limit) {
      limit = pLimit(this.#maxConcurrent);
      this.#limiters.set(target.label, limit);
    }
    return limit;
  }

  /** One HTTP request to one host, within that host's concurrency bound. */
  private exchange<T>(
    target: Target,
    method: HttpMethod,
    path: string,
    options: WriteOptions & { body?: Params | Record<string, unknown> | undefined },
    auth: AuthUse,
  ): Promise<ProxmoxResponse<T>> {
    const ctx: CallContext = {
      kind: this.kind,
      host: target.label,
      method,
      path,
      auth: auth.kind,
      principal: auth.kind === 'login' ? String((options.body as { username?: unknown })?.username) : this.#principal,
    };
    const headers: Record<string, string> = { accept: 'application/json' };
    if (auth.kind === 'token') headers.authorization = this.#tokenHeader!;
    if (auth.kind === 'ticket') {
      headers.cookie = ticketCookie(this.kind, auth.ticket.ticket);
      if (needsCsrf(method)) headers.csrfpreventiontoken = auth.ticket.csrfToken;
    }
    let body: string | undefined;
    if (method === 'POST' || method === 'PUT') {
      if (options.json) {
        headers['content-type'] = 'application/json';
        body = jsonBody(options.body);
      } else {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = formBody(options.body as Params | undefined);
      }
    }
    const url = `https://${target.label}/api2/json${path}${queryString(options.query)}`;

    return this.limiter(target)(async () => {
      this.#stats.recordRequest(method, path);
      const started = performance.now();
      const fail = (error: ProxmoxError) => {
        this.#stats.recordFailure();
        this.#logger?.debug(
          {
            host: target.label,
            endpoint: `${method} ${endpointTemplate(path)}`,
            code: error.code,
            status: error.status,
          },
          'proxmox call failed',
        );
        return error;
      };
      let status: number;
      let reason: string;
      let text: string;
      // undici's own headers timeout runs on a coarse timer (it may fire up to a second late), so the
      // headers deadline is also enforced here, precisely; undici's stays as the backstop.
      // One controller for both the caller's signal and the deadline: AbortSignal.any costs several times
      // more per call, and the crawl makes thousands of calls under one long-lived signal.
      const deadline = new AbortController();
      const timer = setTimeout(() => deadline.abort(HEADERS_DEADLINE), this.#timeouts.headersMs);
      const callerAbort = () => deadline.abort(options.signal?.reason);
      if (options.signal?.aborted) callerAbort();
      else options.signal?.addEventListener('abort', callerAbort, { once: true });
      const signal = deadline.signal;
      try {
        const response = await request(url, {
          method,
          headers,
          body,
          dispatcher: this.#agent,
          headersTimeout: this.#timeouts.headersMs,
          bodyTimeout: this.#timeouts.bodyMs,
          signal,
        });
        clearTimeout(timer);
        status = response.statusCode;
        reason = response.statusText;
        text = await response.body.text();
      } catch (err) {
        if (options.signal?.aborted) {
          throw fail(
            new ProxmoxError(
              'ABORTED',
              `The call ${method} ${path} to ${PRODUCT_NAME[this.kind]} at ${target.label} was cancelled by the caller.`,
              {
                endpoint: `${method} ${path}`,
                host: target.label,
                cause: err,
              },
            ),
          );
        }
        const cause =
          deadline.signal.reason === HEADERS_DEADLINE
            ? Object.assign(new Error('headers timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' })
            : err;
        throw fail(errorFromTransport(ctx, cause, this.#timeouts));
      } finally {
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', callerAbort);
      }
      if (status < 200 || status > 299) throw fail(errorFromResponse(ctx, status, reason, text));
      let envelope: { data?: unknown; total?: unknown };
      try {
        envelope = text ? JSON.parse(text) : {};
      } catch {
        throw fail(
          new ProxmoxError(
            'INVALID_RESPONSE',
            `${PRODUCT_NAME[this.kind]} at ${target.label} answered ${method} ${path} with something that is not JSON; check the address points at ${PRODUCT_NAME[this.kind]}.`,
            { status, reason, endpoint: `${method} ${path}`, host: target.label },
          ),
        );
      }
      // Checked first: the crawl makes thousands of calls and the log line's fields cost more than the check.
      if (this.#logger?.isLevelEnabled('debug')) {
        this.#logger.debug(
          {
            host: target.label,
            endpoint: `${method} ${endpointTemplate(path)}`,
            status,
            ms: Math.round(performance.now() - started),
          },
          'proxmox call',
        );
      }
      return {
        data: (envelope?.data ?? null) as T,
        status,
        ...(typeof envelope?.total === 'number' ? { total: envelope.total } : {}),
      };
    });
  }

  /** Closes the connection pools; in-flight calls finish first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([this.#agent.close(), ...this.#retired]);
  }
}
