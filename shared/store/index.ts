/** The date-keyed snapshot store: collections, schemas and types, publication, and what readers may use. */
import type { Db } from 'mongodb';
import { ensureStoreIndexes } from './collections.ts';
import { ensureRunIndexes } from './runs.ts';
import { ensureOutcomeIndexes } from './snapshots.ts';

export { cleanupLeftovers } from './cleanup.ts';
export { INDEXES, INVENTORY, type InventoryName, type InventoryTypes, inventory, snapshots } from './collections.ts';
export * from './rollups.ts';
export { registerRun, removeOtherRuns, removeRunDocuments } from './runs.ts';
export * from './schemas.ts';
export {
  createSnapshot,
  getSnapshot,
  lastGoodDateOf,
  latestPublished,
  listOutcomes,
  openSnapshot,
  publishedDates,
  recordOutcome,
  resolveDate,
  tryPublish,
} from './snapshots.ts';
export { BATCH_SIZE, writeClusterDocuments } from './writer.ts';

/** Every index of the store, created idempotently (safe at each start of the crawler and the API). */
export async function ensureIndexes(db: Db): Promise<void> {
  await ensureStoreIndexes(db);
  await ensureOutcomeIndexes(db);
  await ensureRunIndexes(db);
}
