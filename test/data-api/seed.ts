import type { Db } from 'mongodb';
import { INVENTORY } from '../../shared/store/collections.ts';
import { countDocuments, rollupDocuments, snapshotTotals } from '../../shared/store/rollups.ts';
import type { ClusterDocuments, ClusterOutcome, SnapshotDoc } from '../../shared/store/schemas.ts';
import { writeClusterDocuments } from '../../shared/store/writer.ts';

/**
 * Writes snapshots straight into the store (through its own writer and rollup functions), for tests that
 * need exact, known data, and copies crawled snapshots to other dates (benchmarks: many snapshots fast).
 */
export async function seedSnapshot(
  db: Db,
  date: number,
  clusters: { name: string; kind?: 'pve' | 'pbs'; docs?: ClusterDocuments; error?: string }[],
): Promise<SnapshotDoc> {
  const outcomes: ClusterOutcome[] = [];
  for (const c of clusters) {
    const run = `run-${date}-${c.name}`;
    if (c.docs) await writeClusterDocuments(db, c.docs, { date, run });
    const empty: ClusterDocuments = {
      cluster: c.docs?.cluster as never,
      nodes: [],
      instances: [],
      disks: [],
      storages: [],
      backups: [],
    };
    outcomes.push({
      name: c.name,
      kind: c.kind ?? 'pve',
      ok: !c.error,
      ...(c.error ? { error: c.error, errorCode: 'CONNECTION' } : {}),
      counts: countDocuments(c.docs ?? empty),
      calls: 10,
      callsByEndpoint: { 'GET /cluster/resources': 1 },
      durationMs: 1234,
      ...(c.docs && !c.error ? { rollup: rollupDocuments(c.docs) } : {}),
      run,
      crawler: 'test',
      finishedAt: new Date(date * 1000 + 60_000),
    });
  }
  outcomes.sort((a, b) => a.name.localeCompare(b.name));
  const ok = outcomes.filter((o) => o.ok).length;
  const doc: SnapshotDoc = {
    date,
    status: ok === outcomes.length ? 'complete' : ok === 0 ? 'failed' : 'partial',
    trigger: 'schedule',
    startedAt: new Date(date * 1000),
    finishedAt: new Date(date * 1000 + 60_000),
    deadline: new Date(date * 1000 + 3600_000),
    expected: outcomes.map((o) => o.name),
    clusters: outcomes,
    ...snapshotTotals(outcomes),
  };
  await db.collection('snapshots').insertOne({ ...doc });
  return doc;
}

/** Copies a snapshot (its document and every inventory document) to other dates; reads the source once. */
export async function copySnapshot(db: Db, from: number, to: number | number[]): Promise<number> {
  const targets = Array.isArray(to) ? to : [to];
  let n = 0;
  for (const name of INVENTORY) {
    const coll = db.collection(name);
    const source = await coll.find({ date: from }, { projection: { _id: 0 } }).toArray();
    for (const date of targets) {
      const docs = source.map((d) => ({ ...d, date }));
      for (let i = 0; i < docs.length; i += 2000) {
        await coll.insertMany(docs.slice(i, i + 2000), { ordered: false });
      }
      n += docs.length;
    }
  }
  const snap = await db.collection('snapshots').findOne({ date: from }, { projection: { _id: 0 } });
  if (snap) {
    for (const date of targets) {
      const shift = (date - from) * 1000;
      await db.collection('snapshots').insertOne({
        ...snap,
        date,
        startedAt: new Date((snap.startedAt as Date).getTime() + shift),
        finishedAt: snap.finishedAt ? new Date((snap.finishedAt as Date).getTime() + shift) : undefined,
        deadline: new Date((snap.deadline as Date).getTime() + shift),
      });
    }
  }
  return n;
}
