import type { Collection, Db, IndexDirection } from 'mongodb';
import type { BackupDoc, ClusterDoc, DiskDoc, InstanceDoc, NodeDoc, SnapshotDoc, StorageDoc } from './schemas.ts';

/** Collection names of the snapshot store, and the indexes each needs (created idempotently). */

export const INVENTORY = ['clusters', 'nodes', 'instances', 'disks', 'storages', 'backups'] as const;
export type InventoryName = (typeof INVENTORY)[number];

export interface InventoryTypes {
  clusters: ClusterDoc;
  nodes: NodeDoc;
  instances: InstanceDoc;
  disks: DiskDoc;
  storages: StorageDoc;
  backups: BackupDoc;
}

export function inventory<K extends InventoryName>(db: Db, name: K): Collection<InventoryTypes[K]> {
  return db.collection<InventoryTypes[K]>(name);
}

export function snapshots(db: Db): Collection<SnapshotDoc> {
  return db.collection<SnapshotDoc>('snapshots');
}

export interface IndexDef {
  key: Record<string, IndexDirection>;
  name: string;
  unique?: boolean;
}

const byPlace: IndexDef = { key: { date: 1, cluster: 1, node: 1, vmid: 1 }, name: 'date_cluster_node_vmid' };
const history: IndexDef = { key: { uid: 1, date: 1 }, name: 'uid_date' };

export const INDEXES: Record<InventoryName | 'snapshots', IndexDef[]> = {
  snapshots: [
    { key: { date: 1 }, name: 'date_unique', unique: true },
    { key: { status: 1, date: 1 }, name: 'status_date' },
  ],
  clusters: [{ key: { date: 1, cluster: 1 }, name: 'date_cluster' }],
  nodes: [{ key: { date: 1, cluster: 1, node: 1 }, name: 'date_cluster_node' }],
  instances: [byPlace, history, { key: { date: 1, cluster: 1, vmid: 1 }, name: 'date_cluster_vmid' }],
  disks: [byPlace, history, { key: { date: 1, cluster: 1, storage: 1 }, name: 'date_cluster_storage' }],
  storages: [{ key: { date: 1, cluster: 1, storage: 1 }, name: 'date_cluster_storage' }],
  backups: [
    { key: { date: 1, cluster: 1, vmid: 1 }, name: 'date_cluster_vmid' },
    { key: { date: 1, cluster: 1, storage: 1 }, name: 'date_cluster_storage' },
  ],
};

/**
 * Creates the indexes a collection lacks (by name). Asking FerretDB v1.24 to create an index that already
 * exists drops the connection, so existing ones are listed first; on MongoDB this is equally correct.
 */
export async function ensureNamedIndexes(db: Db, collection: string, defs: IndexDef[]): Promise<void> {
  const coll = db.collection(collection);
  const existing = new Set(
    (
      await coll
        .listIndexes()
        .toArray()
        .catch(() => [] as { name?: string }[])
    ).map((i) => i.name),
  );
  const missing = defs.filter((d) => !existing.has(d.name));
  if (missing.length === 0) return;
  await coll.createIndexes(missing.map((d) => ({ key: d.key, name: d.name, ...(d.unique ? { unique: true } : {}) })));
}

/** Creates every index of the store; safe to run at every start. */
export async function ensureStoreIndexes(db: Db): Promise<void> {
  for (const [name, defs] of Object.entries(INDEXES)) await ensureNamedIndexes(db, name, defs);
}
