import type { Db } from 'mongodb';
import { addCluster } from '../../../shared/registry/index.ts';
import type { Vault } from '../../../shared/vault/index.ts';
import type { SimEndpoint } from '../../simulator/index.ts';

/** Registers simulated clusters (token credentials unless `password`, pinned fingerprints, group g-<name>). */
export async function registerEndpoints(
  db: Db,
  vault: Vault,
  endpoints: SimEndpoint[],
  opts: { password?: boolean } = {},
): Promise<void> {
  for (const e of endpoints) {
    await addCluster(db, vault, {
      name: e.name,
      kind: e.kind,
      host: e.host,
      port: e.port,
      fingerprint: e.fingerprint,
      groups: [`g-${e.name}`],
      ...(opts.password ? { username: e.user, password: e.password } : { tokenId: e.tokenId, secret: e.tokenSecret }),
    });
  }
}
