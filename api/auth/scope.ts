import type { Db } from 'mongodb';

/**
 * Cluster groups come from the cluster registry (`clusters_registry`: `name`, `groups: string[]`), which the
 * cluster administration owns. It is small, so it is read whole and cached briefly per database; a change
 * shows within CACHE_MS, or at once in this process after invalidateClusterGroups().
 */
export const CLUSTERS_REGISTRY = 'clusters_registry';
const CACHE_MS = 10_000;

interface Cached {
  at: number;
  groupsByCluster: Map<string, string[]>;
}

const cache = new WeakMap<Db, Cached>();
const pending = new WeakMap<Db, Promise<Cached>>();

async function load(db: Db): Promise<Cached> {
  const now = Date.now();
  const hit = cache.get(db);
  if (hit && now - hit.at < CACHE_MS) return hit;
  const inFlight = pending.get(db);
  if (inFlight) return inFlight;
  const p = db
    .collection<{ name: string; groups?: unknown }>(CLUSTERS_REGISTRY)
    .find({}, { projection: { _id: 0, name: 1, groups: 1 } })
    .toArray()
    .then((docs) => {
      const groupsByCluster = new Map<string, string[]>();
      for (const d of docs) {
        if (typeof d.name !== 'string') continue;
        const groups = Array.isArray(d.groups) ? d.groups.filter((g): g is string => typeof g === 'string') : [];
        groupsByCluster.set(d.name, groups);
      }
      const fresh = { at: now, groupsByCluster };
      cache.set(db, fresh);
      return fresh;
    })
    .finally(() => pending.delete(db));
  pending.set(db, p);
  return p;
}

/** The groups a cluster belongs to; [] for a cluster the registry does not know. */
export async function clusterGroups(db: Db, clusterName: string): Promise<string[]> {
  return (await load(db)).groupsByCluster.get(clusterName) ?? [];
}

/** The names of the clusters in any of these groups. */
export async function clustersInGroups(db: Db, groups: string[]): Promise<string[]> {
  const wanted = new Set(groups);
  return [...(await load(db)).groupsByCluster].filter(([, gs]) => gs.some((g) => wanted.has(g))).map(([name]) => name);
}

/** Forget the cached registry (call after changing a cluster's groups). */
export function invalidateClusterGroups(db: Db): void {
  cache.delete(db);
}
