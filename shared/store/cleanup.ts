import type { Db } from 'mongodb';
import { INVENTORY, snapshots } from './collections.ts';
import { runs } from './runs.ts';
import { outcomes } from './snapshots.ts';

/**
 * Leftovers of crashed crawls. A snapshot still `running` after its deadline lost its crawlers: its documents
 * are deleted and it becomes an `abandoned` tombstone, so that a late write of a crawler that was only
 * paused is removed by a later cleanup too. Tombstones older than a day go. Outcome records of finished
 * snapshots are dropped. `deep` also looks for inventory dates that have no snapshot document at all (a
 * full scan of each inventory collection: done once at crawler start, never on a request path).
 */

const TOMBSTONE_MS = 24 * 3600 * 1000;

export interface CleanupReport {
  abandoned: number[];
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
  opts: { now?: Date; deep?: boolean; graceMs?: number } = {},
): Promise<CleanupReport> {
  const now = opts.now ?? new Date();
  const grace = opts.graceMs ?? 0;
  const report: CleanupReport = { abandoned: [], orphanDates: [], removedTombstones: 0 };

  const overdue = await snapshots(db)
    .find({ status: 'running', deadline: { $lt: new Date(now.getTime() - grace) } }, { projection: { date: 1 } })
    .toArray();
  for (const s of overdue) {
    // Flip first: a reader never sees it (it was never published) and no crawler publishes it afterwards.
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
    if (report.abandoned.includes(t.date)) continue;
    await deleteDate(db, t.date);
    if (!t.abandonedAt || now.getTime() - t.abandonedAt.getTime() > TOMBSTONE_MS) {
      await snapshots(db).deleteOne({ date: t.date, status: 'abandoned' });
      report.removedTombstones++;
    }
  }

  const finished = await snapshots(db)
    .find({ status: { $in: ['complete', 'partial', 'failed'] } }, { projection: { date: 1 } })
    .toArray();
  const outcomeDates = new Set(
    (
      await outcomes(db)
        .find({}, { projection: { date: 1 } })
        .toArray()
    ).map((o) => o.date),
  );
  for (const s of finished) if (outcomeDates.has(s.date)) await outcomes(db).deleteMany({ date: s.date });

  if (opts.deep) {
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
