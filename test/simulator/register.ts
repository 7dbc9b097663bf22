import type { Db } from 'mongodb';
import { addCluster } from '../../shared/registry/index.ts';
import type { Vault } from '../../shared/vault/index.ts';
import type { SimEndpoint } from './index.ts';

/**
 * Registers simulated clusters and PBS servers in Strata's registry with their pinned fingerprints: API token
 * credentials, or user and password with `password`; `groupPerCluster` puts each in a group `g-<name>`.
 */
export async function registerSimulated(
  db: Db,
  vault: Vault,
  endpoints: readonly SimEndpoint[],
  opts: { password?: boolean; tagNotes?: boolean; groupPerCluster?: boolean } = {},
): Promise<void> {
  for (const e of endpoints) {
    await addCluster(db, vault, {
      name: e.name,
      kind: e.kind,
      host: e.host,
      port: e.port,
      fingerprint: e.fingerprint,
      ...(opts.tagNotes === undefined ? {} : { tagNotes: opts.tagNotes }),
      ...(opts.groupPerCluster ? { groups: [`g-${e.name}`] } : {}),
      ...(opts.password ? { username: e.user, password: e.password } : { tokenId: e.tokenId, secret: e.tokenSecret }),
    });
  }
}
