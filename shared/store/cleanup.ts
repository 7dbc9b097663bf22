import type { Db } from 'mongodb';
import { INVENTORY, snapshots } from './collections.ts';
import { removeRunDocuments, runs } from './runs.ts';
import type { SnapshotDoc } from './schemas.ts';
import { outcomes } from './snapshots.ts';

/**
 * Leftovers of crashed crawls, cheap enough to look for before every crawl:
 *
 * - a snapshot still `running` after its deadline lost its crawlers: its documents are deleted and it becomes
 *   an `abandoned` tombstone (so a late write of a crawler that was only paused is removed by a later
 *   cleanup too); tombstones older than a day go;
 * - every crawl run registers itself (`snapshot_runs`) before its first write, so documents whose date has
 *   no snapshot (or an abandoned one), or that belong to a run that is not its cluster's published run, are
 *   found from that small collection and deleted by equality on (date, cluster, run);
 * - bookkeeping of finished snapshots (outcomes, runs) is dropped.
 *
 * `scanInventory` also scans every inventory collection for dates without a snapshot document (documents
 * written by something other than a crawler): a full scan, for `strata crawl --cleanup`, never routine.
 */

const TOMBSTONE_MS = 24 * 3600 * 1000;
const FINISHED = new Set(['complete', 'partial', 'failed']);

export interface CleanupReport {
  abandoned: number[];
  /** Runs whose documents were removed (their snapshot is gone, abandoned, or published without them). */
  strayRuns: number;
  orphanDates: number[];
  removedTombstones: number;
}

async function deleteDate(db: Db, date: number): Promise<void> {
  for (const name of INVENTORY) await db.collection(name).deleteMany({ date });
  await outcomes(db).deleteMany({ date });
  await runs(db).deleteMany({ date });
}

export async function cleanupLeftovers(
  db: Db,
  opts: { now?: Date; scanInventory?: boolean } = {},
): Promise<CleanupReport> {
  const now = opts.now ?? new Date();
  const report: CleanupReport = { abandoned: [], strayRuns: 0, orphanDates: [], removedTombstones: 0 };

  const overdue = await snapshots(db)
    .find({ status: 'running', deadline: { $lt: now } }, { projection: { date: 1 } })
    .toArray();
  for (const s of overdue) {
    // Flip first: it was never published, and no crawler publishes it afterwards.
    const res = await snapshots(db).updateOne(
      { date: s.date, status: 'running' },
      { $set: { status: 'abandoned', abandonedAt: now } },
    );
    if (res.modifiedCount === 1) report.abandoned.push(s.date);
    await deleteDate(db, s.date);
  }

  const tombstones = await snapshots(db)
    .find({ status: 'abandoned' }, { projection: { date: 1, abandonedAt: 1 } })
    .toArray();
  for (const t of tombstones) {
    if (!report.abandoned.includes(t.date)) await deleteDate(db, t.date);
    if (!t.abandonedAt || now.getTime() - t.abandonedAt.getTime() > TOMBSTONE_MS) {
      await snapshots(db).deleteOne({ date: t.date, status: 'abandoned' });
      report.removedTombstones++;
    }
  }

  // Registered runs: the key to every document a crawler wrote.
  const runDocs = await runs(db).find({}).toArray();
  const dates = [...new Set(runDocs.map((r) => r.date))];
  const snaps = new Map<number, Pick<SnapshotDoc, 'date' | 'status' | 'clusters'>>();
  for (const s of await snapshots(db)
    .find(
      { date: { $in: dates } },
      { projection: { _id: 0, date: 1, status: 1, 'clusters.name': 1, 'clusters.ok': 1, 'clusters.run': 1 } },
    )
    .toArray()) {
    snaps.set(s.date, s);
  }
  for (const r of runDocs) {
    const snap = snaps.get(r.date);
    if (!snap) {
      // No snapshot document at all: removed (tombstone expired, purged) while a crawler still wrote.
      await removeRunDocuments(db, r.date, r.cluster, r.run);
      report.strayRuns++;
    } else if (FINISHED.has(snap.status)) {
      const published = snap.clusters.find((o) => o.name === r.cluster);
      if (!(published?.ok && published.run === r.run)) {
        await removeRunDocuments(db, r.date, r.cluster, r.run);
        report.strayRuns++;
      }
    } else {
      continue; // running (in progress), or being purged
    }
    await runs(db).deleteOne({ _id: r._id });
  }

  // Outcomes of finished snapshots are on the snapshot document now.
  const outcomeDates = [
    ...new Set(
      (
        await outcomes(db)
          .find({}, { projection: { date: 1 } })
          .toArray()
      ).map((o) => o.date),
    ),
  ];
  for (const s of await snapshots(db)
    .find({ date: { $in: outcomeDates } }, { projection: { date: 1, status: 1 } })
    .toArray()) {
    if (FINISHED.has(s.status)) await outcomes(db).deleteMany({ date: s.date });
  }

  if (opts.scanInventory) {
    const known = new Set(
      (
        await snapshots(db)
          .find({}, { projection: { date: 1 } })
          .toArray()
      ).map((s) => s.date),
    );
    const orphans = new Set<number>();
    for (const name of INVENTORY) {
      for (const d of await db.collection(name).distinct('date')) if (!known.has(d)) orphans.add(d);
    }
    for (const d of orphans) await deleteDate(db, d);
    report.orphanDates = [...orphans].sort((a, b) => a - b);
  }
  return report;
}
