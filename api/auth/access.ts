import type { Db } from 'mongodb';
import type { Principal } from '../context.ts';
import { grantsAllow, type Role, roleAtLeast } from './roles.ts';
import { clusterGroups, clustersInGroups } from './scope.ts';

/**
 * For routes that span clusters (`acrossClusters`): the clusters whose data the caller may see with this
 * role. `all` for a global grant; otherwise the clusters of the groups the role is held on.
 */
export async function visibleClusters(db: Db, principal: Principal, role: Role): Promise<'all' | Set<string>> {
  const grants = principal.grants.filter((g) => roleAtLeast(g.role, role));
  if (grants.some((g) => g.group === null)) return 'all';
  return new Set(
    await clustersInGroups(
      db,
      grants.map((g) => g.group!),
    ),
  );
}

/** Whether the caller holds this role on this cluster (for checks inside a handler). */
export async function mayOnCluster(db: Db, principal: Principal, role: Role, cluster: string): Promise<boolean> {
  return grantsAllow(principal.grants, role, await clusterGroups(db, cluster));
}
