import type { Db, OptionalUnlessRequiredId } from 'mongodb';
import { type InventoryName, type InventoryTypes, inventory } from './collections.ts';
import type { ClusterDocuments, Unstamped } from './schemas.ts';

/** Bulk writes of a cluster's documents: unordered batches, each stamped with the snapshot date and run. */

export const BATCH_SIZE = 1000;

export async function insertBatches<K extends InventoryName>(
  db: Db,
  name: K,
  docs: Unstamped<InventoryTypes[K]>[],
  stamp: { date: number; run: string },
  beforeBatch?: () => Promise<void>,
): Promise<number> {
  const coll = inventory(db, name);
  let written = 0;
  for (let i = 0; i < docs.length; i += BATCH_SIZE) {
    await beforeBatch?.();
    const batch = docs
      .slice(i, i + BATCH_SIZE)
      .map((d) => ({ date: stamp.date, run: stamp.run, ...d }) as OptionalUnlessRequiredId<InventoryTypes[K]>);
    const res = await coll.insertMany(batch, { ordered: false });
    written += res.insertedCount;
  }
  return written;
}

/**
 * Writes all of a cluster's documents. `beforeBatch` runs before each batch: the crawler checks there that
 * it still holds the cluster's lease, so a crawler that lost it stops writing.
 */
export async function writeClusterDocuments(
  db: Db,
  docs: ClusterDocuments,
  stamp: { date: number; run: string },
  beforeBatch?: () => Promise<void>,
): Promise<number> {
  let written = await insertBatches(db, 'clusters', [docs.cluster], stamp, beforeBatch);
  written += await insertBatches(db, 'nodes', docs.nodes, stamp, beforeBatch);
  written += await insertBatches(db, 'storages', docs.storages, stamp, beforeBatch);
  written += await insertBatches(db, 'instances', docs.instances, stamp, beforeBatch);
  written += await insertBatches(db, 'disks', docs.disks, stamp, beforeBatch);
  written += await insertBatches(db, 'backups', docs.backups, stamp, beforeBatch);
  return written;
}
