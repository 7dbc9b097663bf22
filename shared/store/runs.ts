import type { Db } from 'mongodb';
import { ensureNamedIndexes, INVENTORY } from './collections.ts';

/**
 * Every crawl run that may write documents for a (date, cluster) is registered here before its first write.
 * Publication then removes the documents of runs that are not their cluster's recorded successful run, and a
 * crawler taking a cluster over removes its predecessor's, each by equality on (date, cluster, run): on
 * FerretDB a filter with `$nin` would read back every document of the date, equality does not.
 */

export interface RunDoc {
  date: number;
  cluster: string;
  run: string;
  crawler: string;
  startedAt: Date;
}

export function runs(db: Db) {
  return db.collection<RunDoc>('snapshot_runs');
}

export async function ensureRunIndexes(db: Db): Promise<void> {
  await ensureNamedIndexes(db, 'snapshot_runs', [{ key: { date: 1, cluster: 1 }, name: 'date_cluster' }]);
}

export async function registerRun(db: Db, r: Omit<RunDoc, 'startedAt'>): Promise<void> {
  await runs(db).insertOne({ ...r, startedAt: new Date() });
}

/** Deletes what one run wrote. */
export async function removeRunDocuments(db: Db, date: number, cluster: string, run: string): Promise<void> {
  for (const name of INVENTORY) await db.collection(name).deleteMany({ date, cluster, run });
}

/** Deletes the documents of every registered run of (date, cluster) other than `keep`. */
export async function removeOtherRuns(db: Db, date: number, cluster: string, keep: string): Promise<number> {
  const others = (await runs(db).find({ date, cluster }).toArray()).filter((r) => r.run !== keep);
  for (const r of others) await removeRunDocuments(db, date, cluster, r.run);
  return others.length;
}
