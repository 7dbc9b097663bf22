/**
 * Typed errors of the Proxmox client. Every error carries a stable `code`, and, when a server answered, the
 * HTTP `status` and the server's `reason` phrase (PVE puts the first line of its error message there).
 * Messages are one sentence naming the host and what to fix; they never contain a secret.
 */

export type ProxmoxErrorCode =
  | 'AUTHENTICATION'
  | 'PERMISSION'
  | 'PARAMETER'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'NODE_UNREACHABLE'
  | 'TIMEOUT'
  | 'TLS_PIN_MISMATCH'
  | 'CONNECTION'
  | 'SERVER'
  | 'HTTP'
  | 'INVALID_RESPONSE'
  | 'INVALID_UPID'
  | 'CONFIG'
  | 'ABORTED';

export interface ProxmoxErrorDetails {
  /** HTTP status, when a server answered. */
  status?: number;
  /** The server's reason phrase (status text), when a server answered. */
  reason?: string;
  /** `METHOD /path` of the call (no query string). */
  endpoint?: string;
  /** `host:port` the call went to. */
  host?: string;
  cause?: unknown;
}

export class ProxmoxError extends Error {
  readonly code: ProxmoxErrorCode;
  readonly status: number | undefined;
  readonly reason: string | undefined;
  readonly endpoint: string | undefined;
  readonly host: string | undefined;

  constructor(code: ProxmoxErrorCode, message: string, details: ProxmoxErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = details.status;
    this.reason = details.reason;
    this.endpoint = details.endpoint;
    this.host = details.host;
  }
}

/** 401: wrong credentials, an expired ticket, a deleted token, or a missing CSRF token. */
export class AuthenticationError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('AUTHENTICATION', message, details);
  }
}

/** 403: the user or token lacks a privilege. */
export class PermissionError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('PERMISSION', message, details);
  }
}

/** 400: parameter verification failed; `errors` maps each bad parameter to the server's explanation. */
export class ParameterError extends ProxmoxError {
  readonly errors: Record<string, string>;
  constructor(message: string, errors: Record<string, string>, details: ProxmoxErrorDetails = {}) {
    super('PARAMETER', message, details);
    this.errors = errors;
  }
}

/** The object does not exist: 404, PVE's 500 "... does not exist" / "no such ...", or 501 for an unknown path. */
export class NotFoundError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('NOT_FOUND', message, details);
  }
}

/** The config `digest` did not match: someone else changed the guest's config; re-read and try again. */
export class ConflictError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('CONFLICT', message, details);
  }
}

/** 595-599: the API host could not reach the node it proxies the call to (node offline or unreachable). */
export class NodeUnreachableError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('NODE_UNREACHABLE', message, details);
  }
}

export type TimeoutPhase = 'connect' | 'headers' | 'body' | 'task';

/** No answer in time: while connecting, waiting for the response headers or body, or waiting for a task. */
export class TimeoutError extends ProxmoxError {
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(message: string, phase: TimeoutPhase, timeoutMs: number, details: ProxmoxErrorDetails = {}) {
    super('TIMEOUT', message, details);
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The server's TLS certificate is not the pinned one (fingerprint), or not signed by the pinned CA. */
export class TlsPinMismatchError extends ProxmoxError {
  /** The pinned fingerprint (uppercase colon hex), or a description of the pinned CA. */
  readonly expected: string;
  /** The fingerprint of the certificate the server presented (uppercase colon hex). */
  readonly actual: string;
  constructor(message: string, expected: string, actual: string, details: ProxmoxErrorDetails = {}) {
    super('TLS_PIN_MISMATCH', message, details);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The connection failed: refused, reset, host not found, network unreachable. `errno` is e.g. ECONNREFUSED. */
export class ConnectionError extends ProxmoxError {
  readonly errno: string;
  /** True when it failed while connecting (TCP or TLS handshake), so no request reached the server. */
  readonly whileConnecting: boolean;
  constructor(message: string, errno: string, details: ProxmoxErrorDetails = {}, whileConnecting = false) {
    super('CONNECTION', message, details);
    this.errno = errno;
    this.whileConnecting = whileConnecting;
  }
}

/** Any other 5xx. */
export class ServerError extends ProxmoxError {
  constructor(message: string, details: ProxmoxErrorDetails = {}) {
    super('SERVER', message, details);
  }
}

/** The client was configured wrongly (bad fingerprint, token ID, host...). */
export class ClientConfigError extends ProxmoxError {
  constructor(message: string) {
    super('CONFIG', message);
  }
}

/** A string that is not a PVE or PBS UPID. */
export class InvalidUpidError extends ProxmoxError {
  constructor(message: string) {
    super('INVALID_UPID', message);
  }
}
