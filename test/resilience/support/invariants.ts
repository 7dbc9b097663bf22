import type { Db } from 'mongodb';
import { INVENTORY, type InventoryName } from '../../../shared/store/collections.ts';
import type { SnapshotDoc, SnapshotStatus } from '../../../shared/store/schemas.ts';

/**
 * What must hold after any fault: a published snapshot is whole (each cluster's stored documents are exactly
 * the ones its outcome counted, all from the outcome's run; a failed cluster has none), and what was
 * published before a fault is still there afterwards, document for document.
 */

const PUBLISHED: SnapshotStatus[] = ['complete', 'partial', 'failed'];

/** Which outcome count each inventory collection must match (clusters: one document per ok cluster). */
const COUNTED: Record<InventoryName, (c: SnapshotDoc['clusters'][number]['counts']) => number> = {
  clusters: () => 1,
  nodes: (c) => c.nodes,
  instances: (c) => c.instances,
  disks: (c) => c.disks,
  storages: (c) => c.storages,
  backups: (c) => c.backups,
};

export interface Problem {
  date: number;
  what: string;
}

/** Problems with the published snapshots (an empty list when every one is whole). */
export async function halfSnapshots(db: Db): Promise<Problem[]> {
  const problems: Problem[] = [];
  const snaps = await db
    .collection<SnapshotDoc>('snapshots')
    .find({ status: { $in: PUBLISHED } }, { projection: { _id: 0 } })
    .toArray();
  for (const s of snaps) {
    const names = new Set(s.clusters.map((c) => c.name));
    if (s.expected.some((n) => !names.has(n))) {
      problems.push({
        date: s.date,
        what: `published without outcomes for ${s.expected.filter((n) => !names.has(n))}`,
      });
    }
    for (const name of INVENTORY) {
      const docs = await db
        .collection(name)
        .find({ date: s.date }, { projection: { _id: 0, cluster: 1, run: 1 } })
        .toArray();
      for (const o of s.clusters) {
        const mine = docs.filter((d) => d.cluster === o.name);
        const want = o.ok ? COUNTED[name](o.counts) : 0;
        if (mine.length !== want) {
          problems.push({ date: s.date, what: `${o.name}: ${mine.length} ${name} stored, outcome says ${want}` });
        }
        const foreign = mine.filter((d) => d.run !== o.run).length;
        if (foreign) problems.push({ date: s.date, what: `${o.name}: ${foreign} ${name} from another run` });
      }
      const stray = docs.filter((d) => !names.has(d.cluster as string)).length;
      if (stray) problems.push({ date: s.date, what: `${stray} ${name} of clusters without an outcome` });
    }
  }
  return problems;
}

/** Per published date, the number of documents in each inventory collection: compare before and after. */
export async function storedFigures(db: Db): Promise<Record<number, Record<string, number>>> {
  const out: Record<number, Record<string, number>> = {};
  const snaps = await db
    .collection<SnapshotDoc>('snapshots')
    .find({ status: { $in: PUBLISHED } }, { projection: { _id: 0, date: 1 } })
    .toArray();
  for (const s of snaps) {
    const row: Record<string, number> = {};
    for (const name of INVENTORY) row[name] = await db.collection(name).countDocuments({ date: s.date });
    out[s.date] = row;
  }
  return out;
}

export async function snapshotsByStatus(db: Db): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  const all = await db
    .collection<SnapshotDoc>('snapshots')
    .find({}, { projection: { _id: 0, date: 1, status: 1 } })
    .toArray();
  for (const s of all) {
    out[s.status] = [...(out[s.status] ?? []), s.date];
  }
  for (const list of Object.values(out)) list.sort((a, b) => a - b);
  return out;
}

export async function publishedSnapshots(db: Db): Promise<SnapshotDoc[]> {
  return db
    .collection<SnapshotDoc>('snapshots')
    .find({ status: { $in: PUBLISHED } }, { projection: { _id: 0 } })
    .sort({ date: 1 })
    .toArray();
}
