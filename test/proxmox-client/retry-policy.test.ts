import { describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  backoffDelay,
  ConnectionError,
  DEFAULT_RETRY,
  isRetryable,
  NodeUnreachableError,
  NotFoundError,
  ParameterError,
  PermissionError,
  ServerError,
  TimeoutError,
  TlsPinMismatchError,
} from '../../shared/proxmox/index.ts';

const retryable = [
  new ConnectionError('x', 'ECONNREFUSED'),
  new ConnectionError('x', 'ECONNRESET'),
  new TimeoutError('x', 'connect', 1),
  new ServerError('x', { status: 502 }),
  new ServerError('x', { status: 500 }),
  new NodeUnreachableError('x', { status: 595 }),
  new NodeUnreachableError('x', { status: 596 }),
];
const final = [
  new AuthenticationError('x', { status: 401 }),
  new PermissionError('x', { status: 403 }),
  new ParameterError('x', {}, { status: 400 }),
  new NotFoundError('x', { status: 500 }),
  new TlsPinMismatchError('x', 'a', 'b'),
  new TimeoutError('x', 'headers', 1),
  new TimeoutError('x', 'body', 1),
];

describe('retry policy', () => {
  it('retries GETs on transient failures only', () => {
    for (const err of retryable) expect(isRetryable('GET', err), err.message + err.code).toBe(true);
    for (const err of final) expect(isRetryable('GET', err), err.code).toBe(false);
  });

  it('never retries writes', () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      for (const err of retryable) expect(isRetryable(method, err)).toBe(false);
    }
  });

  it('backs off exponentially with jitter, within a ceiling', () => {
    const options = { retries: 5, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(0, options, () => 0)).toBe(50);
    expect(backoffDelay(0, options, () => 1)).toBe(100);
    expect(backoffDelay(2, options, () => 0)).toBe(200);
    expect(backoffDelay(2, options, () => 1)).toBe(400);
    expect(backoffDelay(10, options, () => 1)).toBe(1000);
    const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(3, options)));
    expect(spread.size).toBeGreaterThan(5);
    for (const d of spread) expect(d).toBeGreaterThanOrEqual(400);
  });

  it('has bounded defaults', () => {
    expect(DEFAULT_RETRY.retries).toBeGreaterThan(0);
    expect(DEFAULT_RETRY.retries).toBeLessThanOrEqual(3);
  });
});
