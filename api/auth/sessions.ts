import { createHash, randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { viaRedis } from '../redis-guard.ts';
import type { Grant } from './roles.ts';

/** The cookie that carries a browser session's id. */
export const SESSION_COOKIE = 'strata_session';

/** What Redis keeps for one browser session; the key is a hash of the id, so a Redis dump holds no usable id. */
export interface SessionRecord {
  user: string;
  source: 'ldap' | 'local';
  displayName: string | null;
  grants: Grant[];
  csrf: string;
  address: string;
  createdAt: number;
  lastSeenAt: number;
  /** When the grants were last re-read from the directory (or the local admin list). */
  refreshedAt: number;
}

export interface SessionTimes {
  idleMs: number;
  maxMs: number;
}

export type SessionLookup =
  | { ok: true; key: string; record: SessionRecord }
  | { ok: false; reason: 'unknown' | 'idle' | 'expired' };

const hashId = (id: string) => createHash('sha256').update(id).digest('hex');
const ID_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/**
 * Sessions in Redis with an idle and an absolute expiry. Expiry is decided from the record's times against
 * `now()` (so tests can move the clock); the Redis TTL follows the same deadline and only cleans up.
 */
export class SessionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly times: SessionTimes,
    private readonly now: () => number,
  ) {}

  private key(hash: string) {
    return `${this.prefix}session:${hash}`;
  }

  private deadline(r: SessionRecord) {
    return Math.min(r.lastSeenAt + this.times.idleMs, r.createdAt + this.times.maxMs);
  }

  /** Creates a session and returns its id (256 random bits), which only the cookie holds. */
  async create(fields: Omit<SessionRecord, 'csrf' | 'createdAt' | 'lastSeenAt' | 'refreshedAt'>): Promise<{
    id: string;
    record: SessionRecord;
  }> {
    const id = randomBytes(32).toString('base64url');
    const now = this.now();
    const record: SessionRecord = {
      ...fields,
      csrf: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
      refreshedAt: now,
    };
    await viaRedis(() =>
      this.redis.set(this.key(hashId(id)), JSON.stringify(record), 'PX', this.deadline(record) - now, 'NX'),
    );
    return { id, record };
  }

  /** Finds a live session; an idle or expired one is deleted and reported as such. */
  async get(id: string): Promise<SessionLookup> {
    if (!ID_FORMAT.test(id)) return { ok: false, reason: 'unknown' };
    const key = this.key(hashId(id));
    const raw = await viaRedis(() => this.redis.get(key));
    if (!raw) return { ok: false, reason: 'unknown' };
    const record = JSON.parse(raw) as SessionRecord;
    const now = this.now();
    if (now >= record.createdAt + this.times.maxMs || now >= record.lastSeenAt + this.times.idleMs) {
      await viaRedis(() => this.redis.del(key));
      return { ok: false, reason: now >= record.createdAt + this.times.maxMs ? 'expired' : 'idle' };
    }
    return { ok: true, key, record };
  }

  /** Saves a used (and possibly refreshed) session; XX so a concurrent logout is never undone. */
  async save(key: string, record: SessionRecord): Promise<void> {
    const ttl = this.deadline(record) - this.now();
    if (ttl <= 0) {
      await viaRedis(() => this.redis.del(key));
      return;
    }
    await viaRedis(() => this.redis.set(key, JSON.stringify(record), 'PX', ttl, 'XX'));
  }

  async revokeKey(key: string): Promise<void> {
    await viaRedis(() => this.redis.del(key));
  }

  async revoke(id: string): Promise<void> {
    if (ID_FORMAT.test(id)) await this.revokeKey(this.key(hashId(id)));
  }
}
