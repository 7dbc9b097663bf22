import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { tooManyRequests } from '../errors.ts';
import { viaRedis } from '../redis-guard.ts';

export interface ThrottlePolicy {
  windowMs: number;
  maxPerUser: number;
  maxPerAddress: number;
}

/**
 * Counts failed logins per user name and per source address in fixed windows kept in Redis (shared by every
 * API process). Once a count reaches its limit, logins for that name or from that address are refused with
 * 429 and Retry-After until the window ends, whether or not the password is right.
 */
export class LoginThrottle {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly policy: ThrottlePolicy,
  ) {}

  private keys(user: string, address: string) {
    const u = createHash('sha256').update(user.toLowerCase()).digest('hex');
    return { user: `${this.prefix}login-fail:user:${u}`, address: `${this.prefix}login-fail:addr:${address}` };
  }

  /** Throws 429 when the user name or the address has used up its failures. */
  async check(user: string, address: string): Promise<void> {
    const k = this.keys(user, address);
    const res = await viaRedis(() => this.redis.multi().get(k.user).pttl(k.user).get(k.address).pttl(k.address).exec());
    const [userCount, userTtl, addrCount, addrTtl] = (res ?? []).map(([, v]) => v);
    const waitFor = (ttl: unknown) => (typeof ttl === 'number' && ttl > 0 ? ttl : this.policy.windowMs) / 1000;
    if (Number(userCount ?? 0) >= this.policy.maxPerUser) {
      throw tooManyRequests('Too many failed logins for this user; try again later.', waitFor(userTtl));
    }
    if (Number(addrCount ?? 0) >= this.policy.maxPerAddress) {
      throw tooManyRequests('Too many failed logins from this address; try again later.', waitFor(addrTtl));
    }
  }

  async recordFailure(user: string, address: string): Promise<void> {
    const k = this.keys(user, address);
    const w = this.policy.windowMs;
    await viaRedis(() =>
      this.redis
        .multi()
        .set(k.user, 0, 'PX', w, 'NX')
        .incr(k.user)
        .set(k.address, 0, 'PX', w, 'NX')
        .incr(k.address)
        .exec(),
    );
  }

  /** A successful login clears the user's count (not the address's: one success must not hide a spray). */
  async recordSuccess(user: string, address: string): Promise<void> {
    await viaRedis(() => this.redis.del(this.keys(user, address).user));
  }
}
