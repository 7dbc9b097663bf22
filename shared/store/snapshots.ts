import type { Db } from 'mongodb';
import { ensureNamedIndexes, snapshots } from './collections.ts';
import { snapshotTotals } from './rollups.ts';
import { removeRunDocuments, runs } from './runs.ts';
import {
  type ClusterOutcome,
  type OutcomeDoc,
  READABLE_STATUSES,
  type SnapshotDoc,
  type SnapshotStatus,
} from './schemas.ts';

/**
 * The life of a snapshot document: created `running` (upsert, so every crawler process of one schedule slot
 * joins the same one), one outcome per cluster recorded in `snapshot_outcomes` (unique on date+name, so an
 * outcome is recorded exactly once even on servers without atomic array updates), then published by
 * flipping its status once every expected cluster has an outcome. Publishing sweeps documents written by
 * registered runs that are not the recorded successful run of their cluster (see runs.ts).
 */

export function outcomes(db: Db) {
  return db.collection<OutcomeDoc>('snapshot_outcomes');
}

export async function ensureOutcomeIndexes(db: Db): Promise<void> {
  await ensureNamedIndexes(db, 'snapshot_outcomes', [
    { key: { date: 1, name: 1 }, name: 'date_name_unique', unique: true },
  ]);
}

function isDuplicateKey(e: unknown): boolean {
  return (e as { code?: number })?.code === 11000;
}

export interface OpenSnapshot {
  date: number;
  trigger: SnapshotDoc['trigger'];
  expected: string[];
  deadline: Date;
}

/** Creates the snapshot document, or joins the one another process created for the same date. */
export async function openSnapshot(db: Db, s: OpenSnapshot): Promise<SnapshotDoc> {
  const doc: SnapshotDoc = {
    date: s.date,
    status: 'running',
    trigger: s.trigger,
    startedAt: new Date(),
    deadline: s.deadline,
    expected: [...new Set(s.expected)].sort(),
    clusters: [],
  };
  try {
    await snapshots(db).updateOne({ date: s.date }, { $setOnInsert: doc }, { upsert: true });
  } catch (e) {
    if (!isDuplicateKey(e)) throw e;
  }
  const found = await snapshots(db).findOne({ date: s.date }, { projection: { _id: 0 } });
  if (!found) throw new Error(`snapshot ${s.date} vanished right after it was created`);
  return found;
}

/** Creates a snapshot document at `date` or the first free second after it (on-demand crawls own theirs). */
export async function createSnapshot(db: Db, s: OpenSnapshot): Promise<SnapshotDoc> {
  for (let date = s.date; ; date++) {
    const doc: SnapshotDoc = {
      date,
      status: 'running',
      trigger: s.trigger,
      startedAt: new Date(),
      deadline: s.deadline,
      expected: [...new Set(s.expected)].sort(),
      clusters: [],
    };
    try {
      await snapshots(db).insertOne({ ...doc });
      return doc;
    } catch (e) {
      if (!isDuplicateKey(e)) throw e;
    }
  }
}

export async function getSnapshot(db: Db, date: number): Promise<SnapshotDoc | null> {
  return snapshots(db).findOne({ date }, { projection: { _id: 0 } });
}

/** Records a cluster's outcome; false when one was already recorded (by another crawler). */
export async function recordOutcome(db: Db, date: number, outcome: ClusterOutcome): Promise<boolean> {
  try {
    await outcomes(db).insertOne({ ...outcome, date });
    return true;
  } catch (e) {
    if (isDuplicateKey(e)) return false;
    throw e;
  }
}

export async function listOutcomes(db: Db, date: number): Promise<ClusterOutcome[]> {
  const docs = await outcomes(db)
    .find({ date }, { projection: { _id: 0, date: 0 } })
    .toArray();
  return docs as ClusterOutcome[];
}

export async function hasOutcome(db: Db, date: number, name: string): Promise<boolean> {
  return (await outcomes(db).findOne({ date, name }, { projection: { _id: 1 } })) !== null;
}

export function statusOf(list: ClusterOutcome[]): SnapshotStatus {
  const ok = list.filter((o) => o.ok).length;
  if (ok === list.length) return 'complete';
  return ok === 0 ? 'failed' : 'partial';
}

/**
 * Publishes the snapshot when every expected cluster has an outcome. Safe to call from several processes at
 * once: the sweep is idempotent and every publisher writes the same final content.
 */
export async function tryPublish(db: Db, date: number): Promise<SnapshotDoc | null> {
  const snap = await getSnapshot(db, date);
  if (snap?.status !== 'running') return null;
  const list = await listOutcomes(db, date);
  const names = new Set(list.map((o) => o.name));
  if (!snap.expected.every((n) => names.has(n))) return null;
  // Documents of runs that are not their cluster's successful run (lost leases, failed or crashed runs).
  const okRun = new Map(list.filter((o) => o.ok).map((o) => [o.name, o.run]));
  for (const r of await runs(db).find({ date }).toArray()) {
    if (okRun.get(r.cluster) !== r.run) await removeRunDocuments(db, date, r.cluster, r.run);
  }
  const final = {
    status: statusOf(list),
    finishedAt: new Date(),
    clusters: list.sort((a, b) => a.name.localeCompare(b.name)),
    ...snapshotTotals(list),
  };
  const res = await snapshots(db).updateOne({ date, status: 'running' }, { $set: final });
  return res.matchedCount === 1 ? { ...snap, ...final } : null;
}

/** Dates of published snapshots with inventory (complete or partial), newest first. */
export async function publishedDates(
  db: Db,
  opts: { limit?: number; includeFailed?: boolean } = {},
): Promise<number[]> {
  const statuses: SnapshotStatus[] = opts.includeFailed ? [...READABLE_STATUSES, 'failed'] : [...READABLE_STATUSES];
  const cursor = snapshots(db)
    .find({ status: { $in: statuses } }, { projection: { _id: 0, date: 1 } })
    .sort({ date: -1 });
  if (opts.limit) cursor.limit(opts.limit);
  return (await cursor.toArray()).map((d) => d.date);
}

/** The newest published snapshot with inventory, or null when there is none yet. */
export async function latestPublished(db: Db): Promise<SnapshotDoc | null> {
  const [doc] = await snapshots(db)
    .find({ status: { $in: [...READABLE_STATUSES] } }, { projection: { _id: 0 } })
    .sort({ date: -1 })
    .limit(1)
    .toArray();
  return doc ?? null;
}

/**
 * `last` -> the newest published date; a number -> itself when that snapshot is published (a failed one
 * included: it has outcomes to show); otherwise null. Never a running or abandoned snapshot.
 */
export async function resolveDate(db: Db, which: 'last' | number): Promise<number | null> {
  if (which === 'last') return (await latestPublished(db))?.date ?? null;
  if (!Number.isInteger(which)) return null;
  const doc = await snapshots(db).findOne({ date: which }, { projection: { _id: 0, status: 1 } });
  return doc && ['complete', 'partial', 'failed'].includes(doc.status) ? which : null;
}

/**
 * The newest published snapshot older than `date` in which `cluster` was crawled successfully (identity
 * carry-over and agent addresses read the guests of that snapshot). Looks at the last 200 snapshots.
 */
export async function lastGoodDateOf(db: Db, cluster: string, date: number): Promise<number | null> {
  const docs = await snapshots(db)
    .find(
      { status: { $in: [...READABLE_STATUSES] }, date: { $lt: date } },
      { projection: { _id: 0, date: 1, 'clusters.name': 1, 'clusters.ok': 1 } },
    )
    .sort({ date: -1 })
    .limit(200)
    .toArray();
  return docs.find((d) => d.clusters?.some((c) => c.name === cluster && c.ok))?.date ?? null;
}
