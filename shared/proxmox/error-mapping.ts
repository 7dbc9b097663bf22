import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  NodeUnreachableError,
  NotFoundError,
  ParameterError,
  PermissionError,
  ProxmoxError,
  type ProxmoxErrorDetails,
  ServerError,
  TimeoutError,
} from './errors.ts';
import { isConnectFailure } from './tls-pinning.ts';
import { type HttpMethod, PRODUCT_NAME, type ProxmoxKind } from './types.ts';

/** What a mapping needs to know about the call that failed. Never holds a secret. */
export interface CallContext {
  kind: ProxmoxKind;
  /** `host:port` */
  host: string;
  method: HttpMethod;
  /** Path below /api2/json, without the query string. */
  path: string;
  /** How the call authenticated: an API token, a ticket, or it was the login itself. */
  auth: 'token' | 'ticket' | 'login';
  /** Token id or user name (not secret), for messages. */
  principal: string;
}

export interface ErrorBody {
  /** PVE's `message` (5.2.0+) or PBS's plain-text body. */
  message?: string;
  /** PVE's per-parameter errors. */
  errors?: Record<string, string>;
}

/** Reads an error body: PVE JSON `{data:null, message?, errors?}`, or PBS plain text (sent as application/json). */
export function parseErrorBody(text: string): ErrorBody {
  const trimmed = text.trim();
  if (!trimmed) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch {
    return { message: trimmed };
  }
  if (typeof parsed === 'string') return { message: parsed };
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  const body = parsed as { message?: unknown; errors?: unknown };
  const out: ErrorBody = {};
  if (typeof body.message === 'string' && body.message.trim()) out.message = body.message.trim();
  if (body.errors && typeof body.errors === 'object' && !Array.isArray(body.errors)) {
    out.errors = Object.fromEntries(
      Object.entries(body.errors as Record<string, unknown>).map(([k, v]) => [
        k,
        (typeof v === 'string' ? v : JSON.stringify(v)).trim(),
      ]),
    );
  }
  return out;
}

// Matched against the first line only: later lines of a PVE message may name other things that do not exist.
const NOT_FOUND_TEXT =
  /\bdoes not exist\b|\bdoesn't exist\b|\bno such\b|unable to find configuration file|\bnot found\b/i;
const CONFLICT_TEXT = /checksum mismatch|file changed? by other user|detected modified configuration/i;

/** One line, at most 300 characters: server text goes into our one-sentence messages. */
function oneLine(text: string): string {
  const line = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join('; ');
  return line.length > 300 ? `${line.slice(0, 297)}...` : line;
}

export function endpointOf(ctx: Pick<CallContext, 'method' | 'path'>): string {
  return `${ctx.method} ${ctx.path}`;
}

/** Maps a non-2xx answer to a typed error. `reason` is the status line's reason phrase. */
export function errorFromResponse(ctx: CallContext, status: number, reason: string, bodyText: string): ProxmoxError {
  const body = parseErrorBody(bodyText);
  const serverText = oneLine(body.message ?? '') || oneLine(reason) || `HTTP ${status}`;
  const headline = (body.message ?? '').split(/\r?\n/)[0]?.trim() || reason;
  const who = `${PRODUCT_NAME[ctx.kind]} at ${ctx.host}`;
  const endpoint = endpointOf(ctx);
  const said = `(${status} ${serverText})`;
  const details: ProxmoxErrorDetails = { status, reason, endpoint, host: ctx.host };

  if (status === 401) {
    if (ctx.auth === 'login') {
      return new AuthenticationError(
        `${who} refused the login of ${ctx.principal} ${said}; check the user name with its realm (e.g. root@pam) and the password.`,
        details,
      );
    }
    if (ctx.auth === 'token') {
      return new AuthenticationError(
        `${who} rejected API token ${ctx.principal} on ${endpoint} ${said}; check the token id and secret, and that the token still exists and has not expired.`,
        details,
      );
    }
    return new AuthenticationError(
      `${who} rejected the login ticket of ${ctx.principal} on ${endpoint} ${said}; the ticket expired or was revoked, log in again.`,
      details,
    );
  }
  if (status === 403) {
    return new PermissionError(
      `${who} denied ${endpoint} to ${ctx.principal} ${said}; grant the privilege it names on that path (for an API token with privilege separation, to the token itself).`,
      details,
    );
  }
  if (status === 400) {
    const errors = body.errors ?? {};
    const listed = Object.entries(errors)
      .map(([k, v]) => `${k}: ${oneLine(v)}`)
      .join(', ');
    if (!listed && NOT_FOUND_TEXT.test(headline)) {
      return new NotFoundError(
        `${who} found no such object for ${endpoint} ${said}; check the name or id, it may have been deleted.`,
        details,
      );
    }
    return new ParameterError(
      `${who} rejected the parameters of ${endpoint} ${said}${listed ? ` [${listed}]` : ''}; correct ${listed ? 'the listed parameters' : 'the parameters'} and try again.`,
      errors,
      details,
    );
  }
  if (status === 404 || status === 501) {
    return new NotFoundError(
      `${who} has no ${endpoint} ${said}; check the path and ids, or the server's version if the endpoint is new.`,
      details,
    );
  }
  if (status >= 595 && status <= 599) {
    return new NodeUnreachableError(
      `${who} could not reach the node that serves ${endpoint} ${said}; that node is offline or unreachable from ${ctx.host}, check it or use another node.`,
      details,
    );
  }
  if (status >= 500) {
    if (NOT_FOUND_TEXT.test(headline)) {
      return new NotFoundError(
        `${who} found no such object for ${endpoint} ${said}; check the node, guest id or storage, it may have been deleted or moved.`,
        details,
      );
    }
    if (CONFLICT_TEXT.test(headline)) {
      return new ConflictError(
        `${who} refused ${endpoint} because the configuration changed meanwhile ${said}; read it again and retry with the new digest.`,
        details,
      );
    }
    return new ServerError(
      `${who} failed on ${endpoint} ${said}; try again later, or read the server's log if it persists.`,
      details,
    );
  }
  return new ProxmoxError(
    'HTTP',
    `${who} answered ${endpoint} with an unexpected status ${said}; check the address points at ${PRODUCT_NAME[ctx.kind]} and not at a proxy.`,
    details,
  );
}

/** Timeouts the mapping reports in messages. */
export interface TimeoutSettings {
  connectMs: number;
  headersMs: number;
  bodyMs: number;
}

/** Errors raised before the request reached the server: another host may be tried, and any call redone. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL']);

function errnoOf(err: unknown): string {
  let e: unknown = err;
  for (let depth = 0; depth < 4 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    e = (e as { cause?: unknown }).cause;
  }
  return 'UNKNOWN';
}

const CONNECTION_HINT: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused; check the address and port, and that the service runs',
  ENOTFOUND: 'the host name does not resolve; check the address',
  EAI_AGAIN: 'the host name could not be resolved right now; check DNS',
  EHOSTUNREACH: 'the host is unreachable; check the address and the network path',
  ENETUNREACH: 'the network is unreachable; check the address and the routes',
  ECONNRESET: 'the connection was reset; the server or a firewall closed it, try again',
  EPIPE: 'the connection was closed while sending; try again',
  ETIMEDOUT: 'the connection timed out; check the address and firewall',
  UND_ERR_SOCKET: 'the server closed the connection; try again',
  UND_ERR_CLOSED: 'the client was closed; create a new one',
};

/** Maps a transport failure (undici or socket error) to a typed error. ProxmoxErrors pass through. */
export function errorFromTransport(ctx: CallContext, err: unknown, timeouts: TimeoutSettings): ProxmoxError {
  if (err instanceof ProxmoxError) return err;
  const cause = err instanceof Error && err.cause instanceof ProxmoxError ? err.cause : undefined;
  if (cause) return cause;
  const who = `${PRODUCT_NAME[ctx.kind]} at ${ctx.host}`;
  const endpoint = endpointOf(ctx);
  const details: ProxmoxErrorDetails = { endpoint, host: ctx.host, cause: err };
  const errno = errnoOf(err);
  switch (errno) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new TimeoutError(
        `${who} did not accept a connection within ${timeouts.connectMs} ms; check the address, port and firewall, or that the host is up.`,
        'connect',
        timeouts.connectMs,
        details,
      );
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new TimeoutError(
        `${who} did not answer ${endpoint} within ${timeouts.headersMs} ms; the host or node is overloaded or hung, check it or raise the headers timeout.`,
        'headers',
        timeouts.headersMs,
        details,
      );
    case 'UND_ERR_BODY_TIMEOUT':
      return new TimeoutError(
        `${who} stopped sending the answer to ${endpoint} for ${timeouts.bodyMs} ms; the host is overloaded or the network stalls, check it or raise the body timeout.`,
        'body',
        timeouts.bodyMs,
        details,
      );
    case 'UND_ERR_ABORTED':
    case 'ABORT_ERR':
      return new ProxmoxError('ABORTED', `The call ${endpoint} to ${who} was cancelled by the caller.`, details);
  }
  if (/^(ERR_TLS|ERR_SSL|CERT_|DEPTH_ZERO|UNABLE_TO|SELF_SIGNED|ERR_OSSL)/.test(errno)) {
    return new ConnectionError(
      `The TLS handshake with ${who} failed (${errno}); check that the address serves HTTPS for ${PRODUCT_NAME[ctx.kind]}.`,
      errno,
      details,
      true,
    );
  }
  const whileConnecting =
    isConnectFailure(err) || isConnectFailure((err as { cause?: unknown } | null)?.cause) || NOT_SENT.has(errno);
  const hint =
    (whileConnecting && errno === 'ECONNRESET'
      ? 'the connection was closed during the handshake; check the address and port, and that the host is up'
      : CONNECTION_HINT[errno]) ?? `the connection failed (${err instanceof Error ? err.message : String(err)})`;
  return new ConnectionError(`Could not talk to ${who} (${errno}): ${hint}.`, errno, details, whileConnecting);
}

/** True when the request certainly never reached the server: safe to try another host, whatever the method. */
export function failedBeforeSending(err: ProxmoxError): boolean {
  if (err instanceof TimeoutError) return err.phase === 'connect';
  return err instanceof ConnectionError && err.whileConnecting;
}
