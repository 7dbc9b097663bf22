import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Db } from 'mongodb';
import { newToken, tryAcquire } from '../shared/lease.ts';
import type { Logger } from '../shared/logger.ts';
import { listEntries, type Sealer } from '../shared/registry/registry.ts';
import type { RegistryEntry } from '../shared/registry/schema.ts';
import { Semaphore } from '../shared/semaphore.ts';
import { cleanupLeftovers } from '../shared/store/cleanup.ts';
import { emptyCounts } from '../shared/store/rollups.ts';
import { removeRunDocuments } from '../shared/store/runs.ts';
import type { ClusterOutcome, SnapshotDoc } from '../shared/store/schemas.ts';
import {
  getSnapshot,
  hasOutcome,
  latestPublished,
  listOutcomes,
  openSnapshot,
  recordOutcome,
  tryPublish,
} from '../shared/store/snapshots.ts';
import { type ClusterCrawlDeps, type ClusterRun, type CrawlSettings, crawlCluster } from './crawl-cluster.ts';
import { PreviousState } from './previous.ts';

/**
 * One snapshot date, crawled by one or several processes (see README "Publication and leases"):
 *
 * 1. cleanup of crashed crawls; the registry is read (enabled clusters);
 * 2. the snapshot document is created or joined (upsert on the unique date): its `expected` list, fixed by
 *    whoever created it, is what every process works through;
 * 3. per cluster without an outcome: take the Redis lease `crawl:<date>:<cluster>` (SET NX PX), check again
 *    that no outcome exists, crawl while extending the lease, record the outcome (unique per date+cluster),
 *    release the lease, and try to publish;
 * 4. then wait for the clusters other processes hold; a cluster whose lease expired without an outcome (its
 *    crawler died) is taken over; at the snapshot's deadline missing clusters are recorded as failed;
 * 5. whoever sees every expected cluster with an outcome publishes (status flip after all writes).
 */

export interface RunSettings extends CrawlSettings {
  /** Clusters collected at once (each holds its slot until it starts writing). */
  crawlConcurrency: number;
  /** Clusters writing their documents at once (default 2). */
  writeConcurrency?: number;
  leaseMs: number;
}

export interface CrawlerDeps {
  db: Db;
  redis: Redis;
  vault: Sealer;
  logger: Logger;
  settings: RunSettings;
  crawlerId: string;
  onSession?: ClusterCrawlDeps['onSession'];
}

export const DEFAULT_WRITE_CONCURRENCY = 2;

export function leaseKey(date: number, cluster: string): string {
  return `crawl:${date}:${cluster}`;
}

/** How long a snapshot may stay running before it is finalised (or, with nobody left, abandoned). */
export function snapshotBudgetMs(clusters: number, s: RunSettings): number {
  const rounds = Math.max(1, Math.ceil(clusters / s.crawlConcurrency));
  return rounds * (s.clusterTimeoutMs + 5000) + 2 * s.leaseMs;
}

export interface RunOptions {
  date: number;
  trigger: SnapshotDoc['trigger'];
  /** Stop waiting for other processes' clusters (tests); the snapshot is published by whoever finishes. */
  noWait?: boolean;
  /** Crawl only these clusters; the others' outcomes come from elsewhere (on-demand copies) and are awaited. */
  only?: string[];
}

function failedOutcome(
  entry: Pick<RegistryEntry, 'name' | 'kind'>,
  crawler: string,
  error: string,
  errorCode: string,
): ClusterOutcome {
  return {
    name: entry.name,
    kind: entry.kind,
    ok: false,
    error,
    errorCode,
    counts: emptyCounts(),
    calls: 0,
    callsByEndpoint: {},
    durationMs: 0,
    run: 'none',
    crawler,
    finishedAt: new Date(),
  };
}

/** Takes the cluster when nobody holds it and it has no outcome; crawls it; records the outcome. */
async function attemptCluster(
  deps: CrawlerDeps,
  previous: PreviousState,
  date: number,
  name: string,
  entries: Map<string, RegistryEntry>,
  writeTurn: ClusterRun['writeTurn'],
): Promise<'done' | 'busy' | 'skipped'> {
  const { db, redis, logger } = deps;
  if (await hasOutcome(db, date, name)) return 'skipped';
  const lease = await tryAcquire(redis, leaseKey(date, name), deps.settings.leaseMs, newToken());
  if (!lease) return 'busy';
  try {
    if (await hasOutcome(db, date, name)) return 'skipped';
    const entry = entries.get(name);
    let outcome: ClusterOutcome;
    if (!entry) {
      outcome = failedOutcome(
        { name, kind: 'pve' },
        deps.crawlerId,
        `${name} was removed from the registry or disabled during the crawl.`,
        'REMOVED',
      );
    } else {
      lease.keepAlive((e) => logger.warn({ cluster: name, date, error: e.message }, 'lease lost, crawl stopped'));
      outcome = await crawlCluster(
        { ...deps, previous },
        {
          entry,
          date,
          run: lease.token,
          leaseSignal: lease.signal,
          assertLease: () => lease.assertHeld(),
          writeTurn,
        },
      );
    }
    if (!(await recordOutcome(db, date, outcome))) {
      // Someone else recorded this cluster (we had lost the lease): our documents are not the snapshot's.
      await removeRunDocuments(db, date, name, lease.token);
      logger.warn({ cluster: name, date }, 'outcome already recorded by another crawler; own documents removed');
    } else if ((await getSnapshot(db, date))?.status === 'abandoned') {
      // Too late: cleanup gave the snapshot up meanwhile; leave nothing behind.
      await removeRunDocuments(db, date, name, lease.token);
    }
    return 'done';
  } finally {
    await lease.release().catch(() => false);
  }
}

/**
 * Biggest first (by the documents each cluster wrote in the newest snapshot): writing is the long part of a
 * crawl, so the big writers start early and the small ones fill in. Unknown clusters first, Backup Servers
 * (many documents for few calls) ahead of the others.
 */
async function crawlOrder(db: Db, names: string[], entries: Map<string, RegistryEntry>): Promise<string[]> {
  const last = await latestPublished(db);
  const size = new Map(
    (last?.clusters ?? []).map((o) => [o.name, o.ok ? o.counts.instances + o.counts.disks + o.counts.backups : -1]),
  );
  const weight = (n: string) => size.get(n) ?? (entries.get(n)?.kind === 'pbs' ? Number.MAX_SAFE_INTEGER : 1e12);
  return [...names].sort((a, b) => weight(b) - weight(a) || a.localeCompare(b));
}

/** Records a failure for every expected cluster still without an outcome, then publishes. */
async function finalizeOverdue(deps: CrawlerDeps, snap: SnapshotDoc): Promise<void> {
  const have = new Set((await listOutcomes(deps.db, snap.date)).map((o) => o.name));
  for (const name of snap.expected) {
    if (have.has(name)) continue;
    // Still being crawled: its holder extends the lease, and its own time budget ends it soon. Long past
    // the deadline even a held lease no longer counts.
    const forced = Date.now() > snap.deadline.getTime() + 2 * deps.settings.leaseMs;
    if (!forced && (await deps.redis.exists(leaseKey(snap.date, name)))) continue;
    await recordOutcome(
      deps.db,
      snap.date,
      failedOutcome(
        { name, kind: 'pve' },
        deps.crawlerId,
        `No crawler finished ${name} before the snapshot's deadline (a crawler may have died).`,
        'DEADLINE',
      ),
    );
  }
}

/**
 * Crawls (its share of) one snapshot date and returns the snapshot as this process last saw it: published
 * when all clusters are done, or still running with `noWait` while other processes hold clusters.
 */
export async function runCrawl(deps: CrawlerDeps, opts: RunOptions): Promise<SnapshotDoc | null> {
  const { db, logger } = deps;
  const log = logger.child({ date: opts.date });
  const t0 = Date.now();
  const cleanup = await cleanupLeftovers(db);
  if (cleanup.abandoned.length || cleanup.strayRuns) log.info(cleanup, 'leftovers of crashed crawls removed');
  const cleanupMs = Date.now() - t0;
  const entries = new Map((await listEntries(db, { enabledOnly: true })).map((e) => [e.name, e]));
  const existing = await getSnapshot(db, opts.date);
  if (!existing && entries.size === 0) {
    log.info('no enabled cluster in the registry: nothing to crawl');
    return null;
  }
  const snap =
    existing ??
    (await openSnapshot(db, {
      date: opts.date,
      trigger: opts.trigger,
      expected: [...entries.keys()],
      deadline: new Date(Date.now() + snapshotBudgetMs(entries.size, deps.settings)),
    }));
  if (snap.status !== 'running') return snap;
  log.info({ clusters: snap.expected.length, crawler: deps.crawlerId, cleanupMs }, 'crawl started');

  const previous = new PreviousState(db);
  const order = await crawlOrder(db, snap.expected, entries);
  // A cluster holds a collection slot until it gets a write slot: while one writes, the next is collected
  // (the database and the crawler's network calls overlap instead of taking turns), and at most
  // crawlConcurrency + writeConcurrency clusters' documents are in memory at once.
  const collecting = new Semaphore(deps.settings.crawlConcurrency);
  const writing = new Semaphore(deps.settings.writeConcurrency ?? DEFAULT_WRITE_CONCURRENCY);
  const pollMs = Math.min(1000, Math.max(100, Math.floor(deps.settings.leaseMs / 3)));
  for (;;) {
    const done = new Set((await listOutcomes(db, snap.date)).map((o) => o.name));
    const pending = order.filter((n) => !done.has(n));
    if (pending.length === 0) break;
    const results = await Promise.all(
      pending.map(async (name) => {
        if (opts.only && !opts.only.includes(name)) return 'busy' as const;
        const endCollecting = await collecting.acquire();
        try {
          const r = await attemptCluster(deps, previous, snap.date, name, entries, async (signal) => {
            const endWriting = await writing.acquire(signal);
            endCollecting();
            return endWriting;
          });
          if (r === 'done') {
            const p0 = Date.now();
            if (await tryPublish(db, snap.date)) log.info({ publishMs: Date.now() - p0 }, 'published');
          }
          return r;
        } finally {
          endCollecting();
        }
      }),
    );
    if (!results.includes('busy')) continue;
    if (opts.noWait) break;
    if (Date.now() > snap.deadline.getTime()) {
      await finalizeOverdue(deps, snap);
      if (await tryPublish(db, snap.date)) break;
    }
    await sleep(pollMs);
  }
  const published = (await tryPublish(db, snap.date)) ?? (await getSnapshot(db, snap.date));
  if (published?.status !== 'running') {
    log.info({ status: published?.status, totals: published?.totals?.instances }, 'snapshot published');
  }
  return published;
}
