import type { Db } from 'mongodb';
import type { Sealer } from '../../../shared/registry/index.ts';
import { visibleClusters } from '../../auth/access.ts';
import type { Role } from '../../auth/roles.ts';
import { type AppContext, principalOf } from '../../context.ts';
import { forbidden, notFound } from '../../query/errors.ts';
import { SnapshotCache } from '../../query/snapshot-cache.ts';
import { ClusterClients } from './cluster-clients.ts';
import { InventoryReader } from './inventory-reader.ts';
import { SnapshotIndex, type SnapshotSummary } from './snapshot-index.ts';
import type { TaskDeps } from './task-store.ts';

/**
 * The data API's per-database state: the published snapshot index, the cache of what was read from
 * published snapshots, Proxmox clients and task following. Built on first use for each app's database and
 * shared by its requests.
 */
export interface DataServices {
  index: SnapshotIndex;
  reader: InventoryReader;
  cache: SnapshotCache;
  clients: ClusterClients;
  tasks: TaskDeps;
  redisPrefix: string;
}

/** Knobs for tests and tools; production takes everything from the configuration. */
export interface DataServiceOptions {
  vault?: Sealer;
  pollMs?: number;
  lockTtlMs?: number;
  followMs?: number;
}

const byDb = new WeakMap<Db, DataServices>();
const optionsByDb = new WeakMap<Db, DataServiceOptions>();

/** Sets options for a database before its first request (tests: a vault of their own, fast task polling). */
export function configureDataApi(db: Db, options: DataServiceOptions): void {
  optionsByDb.set(db, options);
  byDb.delete(db);
}

export function dataServices(c: AppContext): DataServices {
  const { db, deps, redis, logger } = c.get('services');
  let s = byDb.get(db);
  if (!s) {
    const o = optionsByDb.get(db) ?? {};
    const cache = new SnapshotCache(deps.config.STRATA_API_CACHE_DOCS ?? 300_000);
    let reader: InventoryReader | undefined;
    const index = new SnapshotIndex(
      db,
      deps.config.STRATA_API_SNAPSHOT_REFRESH_MS ?? 2000,
      (gone) => cache.dropDates(gone),
      async (newest) => reader?.warm(newest),
    );
    reader = new InventoryReader(db, cache, index);
    const clients = new ClusterClients(db, deps.config, logger, o.vault);
    s = {
      index,
      cache,
      reader,
      clients,
      tasks: {
        db,
        redis,
        clients,
        logger,
        pollMs: o.pollMs ?? 1000,
        lockTtlMs: o.lockTtlMs ?? 15 * 60_000,
        followMs: o.followMs ?? 60 * 60_000,
      },
      redisPrefix: deps.redisPrefix ?? 'strata:',
    };
    byDb.set(db, s);
  }
  return s;
}

/** The data services of a database outside a request (purge and tests call it to drop purged dates). */
export function dataServicesOf(db: Db): DataServices | undefined {
  return byDb.get(db);
}

/** The clusters the caller may read with `role`: null means all of them. */
export async function visibleSet(c: AppContext, role: Role = 'audit'): Promise<ReadonlySet<string> | null> {
  const v = await visibleClusters(c.get('services').db, principalOf(c), role);
  return v === 'all' ? null : v;
}

/**
 * The clusters of a snapshot a request reads: those in the snapshot, that the caller may see, and (when the
 * request names clusters) that it names. Naming a cluster the caller may not see is a 403; naming one the
 * snapshot does not have is a 404 that lists the ones it has.
 */
export function clustersToRead(
  snapshot: SnapshotSummary,
  visible: ReadonlySet<string> | null,
  requested: readonly string[] | undefined,
): string[] {
  const present = InventoryReader.clustersOf(snapshot);
  const mayRead = (c: string) => visible === null || visible.has(c);
  if (requested === undefined || requested.length === 0) return present.filter(mayRead);
  for (const c of requested) {
    if (!mayRead(c)) throw forbidden('forbidden', `You may not read cluster ${c}.`);
  }
  for (const c of requested) {
    const failed = snapshot.clusters.find((o) => o.name === c && !o.ok);
    if (failed) {
      throw notFound(
        'cluster_failed',
        `The crawl of cluster ${c} failed in snapshot ${snapshot.date}: ${failed.error ?? 'no reason recorded'}.`,
      );
    }
    if (!present.includes(c)) {
      const have = present.filter(mayRead);
      throw notFound(
        'unknown_cluster',
        `Cluster ${c} has no data in snapshot ${snapshot.date}${have.length ? ` (it has ${have.join(', ')})` : ''}.`,
      );
    }
  }
  return [...requested];
}
