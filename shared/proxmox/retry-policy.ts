import {
  ConnectionError,
  NodeUnreachableError,
  type ProxmoxError,
  ServerError,
  TimeoutError,
  TlsPinMismatchError,
} from './errors.ts';
import type { HttpMethod } from './types.ts';

/**
 * Which failures are worth another try, and how long to wait. Only idempotent calls (GET) are retried, and
 * only on failures that may go away: connection errors, connect timeouts, 5xx other than "does not exist"
 * (those map to NotFoundError, not ServerError) and 595/596 from a node proxy. A hung server (headers or body
 * timeout) is not retried: waiting twice as long rarely helps and eats the crawl's time budget.
 */

export interface RetryOptions {
  /** Extra attempts after the first one. */
  retries: number;
  /** Delay before the first retry; doubles each time. */
  baseDelayMs: number;
  /** Ceiling of one delay. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryOptions = { retries: 2, baseDelayMs: 250, maxDelayMs: 4000 };

export function isIdempotent(method: HttpMethod): boolean {
  return method === 'GET';
}

export function isRetryable(method: HttpMethod, err: ProxmoxError): boolean {
  if (!isIdempotent(method)) return false;
  if (err instanceof TlsPinMismatchError) return false;
  if (err instanceof TimeoutError) return err.phase === 'connect';
  return err instanceof ConnectionError || err instanceof ServerError || err instanceof NodeUnreachableError;
}

/**
 * Exponential backoff with "equal jitter": half the exponential step is fixed, the other half random, so
 * retries of many callers spread out but never collapse to zero. `attempt` counts from 0.
 */
export function backoffDelay(attempt: number, options: RetryOptions, random: () => number = Math.random): number {
  const step = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.max(0, attempt));
  return Math.round(step / 2 + random() * (step / 2));
}
