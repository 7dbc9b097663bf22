import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { NAME_PATTERN } from './registry/schema.ts';

/**
 * On-demand crawls of one cluster, asked for by the API and served by any crawler process: a Redis list is
 * the queue (one crawler takes each request), a key per request holds its progress for the asker to poll.
 * A second request for a cluster while one is queued or running returns the first one's id.
 */

export const CRAWL_QUEUE = 'strata:crawl:requests';
const STATUS_TTL_S = 3600;
const PENDING_TTL_S = 900;

export type CrawlRequestState = 'queued' | 'running' | 'done' | 'failed';

export interface CrawlRequestStatus {
  id: string;
  cluster: string;
  state: CrawlRequestState;
  requestedAt: string;
  /** The snapshot date the crawl produced (state done). */
  date?: number;
  /** The snapshot's status (complete, partial, failed) once done. */
  status?: string;
  error?: string;
}

export interface CrawlRequest {
  id: string;
  cluster: string;
  requestedAt: string;
}

const statusKey = (id: string) => `strata:crawl:request:${id}`;
const pendingKey = (cluster: string) => `strata:crawl:pending:${cluster}`;

export class CrawlRequestError extends Error {
  readonly code = 'BAD_CLUSTER_NAME';
  constructor(name: string) {
    super(`"${name.slice(0, 80)}" is not a cluster name.`);
    this.name = 'CrawlRequestError';
  }
}

/** Queues an immediate crawl of one cluster; returns the request (an existing one when already pending). */
export async function requestCrawl(redis: Redis, cluster: string): Promise<CrawlRequestStatus> {
  if (!NAME_PATTERN.test(cluster)) throw new CrawlRequestError(cluster);
  const id = randomBytes(8).toString('hex');
  const taken = await redis.set(pendingKey(cluster), id, 'EX', PENDING_TTL_S, 'NX');
  if (taken !== 'OK') {
    const existing = await redis.get(pendingKey(cluster));
    const status = existing ? await crawlRequestStatus(redis, existing) : null;
    if (status && (status.state === 'queued' || status.state === 'running')) return status;
    await redis.set(pendingKey(cluster), id, 'EX', PENDING_TTL_S);
  }
  const request: CrawlRequest = { id, cluster, requestedAt: new Date().toISOString() };
  const status: CrawlRequestStatus = { ...request, state: 'queued' };
  await redis.set(statusKey(id), JSON.stringify(status), 'EX', STATUS_TTL_S);
  await redis.lpush(CRAWL_QUEUE, JSON.stringify(request));
  return status;
}

export async function crawlRequestStatus(redis: Redis, id: string): Promise<CrawlRequestStatus | null> {
  if (!/^[0-9a-f]{16}$/.test(id)) return null;
  const raw = await redis.get(statusKey(id));
  return raw ? (JSON.parse(raw) as CrawlRequestStatus) : null;
}

/** Crawler side: waits up to `timeoutS` for the next request (on a connection used for nothing else). */
export async function nextCrawlRequest(blocking: Redis, timeoutS: number): Promise<CrawlRequest | null> {
  const got = await blocking.brpop(CRAWL_QUEUE, timeoutS);
  if (!got) return null;
  try {
    const r = JSON.parse(got[1]) as CrawlRequest;
    return typeof r.id === 'string' && typeof r.cluster === 'string' ? r : null;
  } catch {
    return null;
  }
}

/** Crawler side: records progress; a finished request frees its cluster for the next one. */
export async function updateCrawlRequest(
  redis: Redis,
  request: CrawlRequest,
  update: Pick<CrawlRequestStatus, 'state' | 'date' | 'status' | 'error'>,
): Promise<void> {
  const status: CrawlRequestStatus = { ...request, ...update };
  await redis.set(statusKey(request.id), JSON.stringify(status), 'EX', STATUS_TTL_S);
  if (update.state === 'done' || update.state === 'failed') {
    const current = await redis.get(pendingKey(request.cluster));
    if (current === request.id) await redis.del(pendingKey(request.cluster));
  }
}
