import type { Db } from 'mongodb';
import type { Vault } from '../../../shared/vault/index.ts';
import type { SimEndpoint } from '../../simulator/index.ts';
import { registerSimulated } from '../../simulator/register.ts';

/** Registers simulated clusters (token credentials unless `password`, pinned fingerprints, group g-<name>). */
export function registerEndpoints(
  db: Db,
  vault: Vault,
  endpoints: SimEndpoint[],
  opts: { password?: boolean } = {},
): Promise<void> {
  return registerSimulated(db, vault, endpoints, { ...opts, groupPerCluster: true });
}
