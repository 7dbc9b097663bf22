import type { Db, Document } from 'mongodb';
import { newToken } from '../shared/lease.ts';
import { listEntries } from '../shared/registry/registry.ts';
import { cleanupLeftovers } from '../shared/store/cleanup.ts';
import { INVENTORY } from '../shared/store/collections.ts';
import { registerRun } from '../shared/store/runs.ts';
import type { ClusterOutcome, SnapshotDoc } from '../shared/store/schemas.ts';
import { createSnapshot, getSnapshot, latestPublished, recordOutcome, tryPublish } from '../shared/store/snapshots.ts';
import { BATCH_SIZE } from '../shared/store/writer.ts';
import { type CrawlerDeps, runCrawl, snapshotBudgetMs } from './crawl-run.ts';

/**
 * An immediate crawl of one cluster, asked for by the API. It produces a new, complete snapshot at a new
 * date (now, or the first free second after the newest snapshot): the asked cluster is crawled afresh and
 * every other cluster's documents and outcome are copied from the newest published snapshot (the outcome
 * keeps `copiedFrom`, the date its data was really read). So `last` moves to a snapshot that is whole and
 * self-contained like any other, and readers need to know nothing about on-demand crawls. Clusters that
 * the newest snapshot lacks (added since) are crawled too; with no published snapshot yet, everything is.
 */

export class OnDemandError extends Error {
  readonly code = 'NOT_CRAWLABLE';
  constructor(message: string) {
    super(message);
    this.name = 'OnDemandError';
  }
}

async function copyClusters(db: Db, from: SnapshotDoc, date: number, runs: Map<string, string>): Promise<void> {
  for (const name of INVENTORY) {
    const coll = db.collection(name);
    let batch: Document[] = [];
    const flush = async () => {
      if (batch.length) await coll.insertMany(batch, { ordered: false });
      batch = [];
    };
    // Equality on date only (one scan on FerretDB); the other clusters are picked here.
    const cursor = coll.find({ date: from.date }, { projection: { _id: 0 }, batchSize: BATCH_SIZE });
    for await (const doc of cursor) {
      const run = runs.get(doc.cluster as string);
      if (!run) continue;
      batch.push({ ...doc, date, run });
      if (batch.length >= BATCH_SIZE) await flush();
    }
    await flush();
  }
}

export async function runOnDemand(deps: CrawlerDeps, cluster: string): Promise<SnapshotDoc | null> {
  const { db, logger } = deps;
  await cleanupLeftovers(db);
  const entries = await listEntries(db, { enabledOnly: true });
  if (!entries.some((e) => e.name === cluster)) {
    throw new OnDemandError(`${cluster} is not a registered, enabled cluster.`);
  }
  const now = Math.floor(Date.now() / 1000);
  const last = await latestPublished(db);
  if (!last) return runCrawl(deps, { date: now, trigger: 'on-demand' });

  const sources = new Map(last.clusters.map((o) => [o.name, o]));
  const fresh = entries.filter((e) => e.name === cluster || !sources.has(e.name)).map((e) => e.name);
  const copied = entries.filter((e) => !fresh.includes(e.name)).map((e) => sources.get(e.name)!);
  const snap = await createSnapshot(db, {
    date: Math.max(now, last.date + 1),
    trigger: 'on-demand',
    expected: entries.map((e) => e.name),
    deadline: new Date(Date.now() + snapshotBudgetMs(fresh.length, deps.settings)),
  });
  logger.info({ date: snap.date, cluster, copiedFrom: last.date, fresh }, 'on-demand crawl started');

  const runs = new Map(copied.map((o) => [o.name, newToken()]));
  const copy = (async () => {
    try {
      for (const [cluster, run] of runs)
        await registerRun(db, { date: snap.date, cluster, run, crawler: deps.crawlerId });
      await copyClusters(db, last, snap.date, runs);
      for (const o of copied) {
        const outcome: ClusterOutcome = { ...o, run: runs.get(o.name)!, copiedFrom: o.copiedFrom ?? last.date };
        await recordOutcome(db, snap.date, outcome);
      }
    } catch (e) {
      logger.error({ date: snap.date, error: (e as Error).message }, 'copying the other clusters failed');
      for (const o of copied) {
        await recordOutcome(db, snap.date, {
          ...o,
          ok: false,
          error: `Copying ${o.name} from snapshot ${last.date} failed: ${(e as Error).message}`,
          errorCode: 'COPY_FAILED',
          run: 'none',
          finishedAt: new Date(),
        }).catch(() => false);
      }
    }
    await tryPublish(db, snap.date);
  })();
  // The fresh clusters go through the normal path (lease, outcome, publish) at the new date.
  const crawl = runCrawl(deps, { date: snap.date, trigger: 'on-demand', only: fresh });
  const [, result] = await Promise.all([copy, crawl]);
  return (await tryPublish(db, snap.date)) ?? result ?? (await getSnapshot(db, snap.date));
}
