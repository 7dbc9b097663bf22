import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';

/**
 * Redis leases: `SET key token NX PX ttl` to take one, Lua compare-and-delete to release it and
 * compare-and-pexpire to extend it, so only the holder (who knows the token) can do either. A holder that
 * dies stops extending; its lease expires after `ttlMs` and another process may take the work over.
 */

const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const EXTEND = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

export class LeaseLostError extends Error {
  readonly code = 'LEASE_LOST';
  constructor(readonly key: string) {
    super(`The lease ${key} was lost (it expired or another process took it over); the work was stopped.`);
    this.name = 'LeaseLostError';
  }
}

export interface Lease {
  readonly key: string;
  readonly token: string;
  /** True while this process still holds the lease (checked in Redis). */
  isHeld(): Promise<boolean>;
  /** Throws LeaseLostError when the lease is no longer this process's. */
  assertHeld(): Promise<void>;
  extend(ttlMs?: number): Promise<boolean>;
  release(): Promise<boolean>;
  /**
   * Extends the lease every ttl/3 until released; calls onLost once when an extension finds the lease gone,
   * or when Redis stays unreachable for 2/3 of the ttl.
   */
  keepAlive(onLost: (e: Error) => void): void;
  /** Aborted when the lease is lost (after keepAlive started). */
  readonly signal: AbortSignal;
}

export function newToken(): string {
  return randomBytes(12).toString('hex');
}

export async function tryAcquire(redis: Redis, key: string, ttlMs: number, token = newToken()): Promise<Lease | null> {
  const ok = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (ok !== 'OK') return null;
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let released = false;
  let lastExtended = Date.now();
  const lease: Lease = {
    key,
    token,
    signal: controller.signal,
    async isHeld() {
      return (await redis.get(key)) === token;
    },
    async assertHeld() {
      if (controller.signal.aborted || !(await lease.isHeld())) throw new LeaseLostError(key);
    },
    async extend(ms = ttlMs) {
      return (await redis.eval(EXTEND, 1, key, token, String(ms))) === 1;
    },
    async release() {
      released = true;
      if (timer) clearInterval(timer);
      return (await redis.eval(RELEASE, 1, key, token)) === 1;
    },
    keepAlive(onLost) {
      if (timer) return;
      const lost = (e: Error) => {
        if (timer) clearInterval(timer);
        if (released || controller.signal.aborted) return;
        controller.abort(e);
        onLost(e);
      };
      timer = setInterval(
        () => {
          lease.extend().then(
            (ok) => {
              if (ok) lastExtended = Date.now();
              else lost(new LeaseLostError(key));
            },
            // Redis briefly unreachable: keep trying while the lease may still be ours.
            (e: unknown) => {
              if (Date.now() - lastExtended > (ttlMs * 2) / 3) lost(e instanceof Error ? e : new Error(String(e)));
            },
          );
        },
        Math.max(50, Math.floor(ttlMs / 3)),
      );
      timer.unref();
    },
  };
  return lease;
}
