import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { afterAll } from 'vitest';
import { prepareApiCollections } from '../../../api/database.ts';
import { addCluster, ensureRegistryIndexes } from '../../../shared/registry/index.ts';
import { ensureIndexes } from '../../../shared/store/index.ts';
import { openVault, type Vault } from '../../../shared/vault/index.ts';
import type { SimEndpoint } from '../../simulator/index.ts';
import { testDb } from '../../support/services.ts';

/**
 * A Strata database of the test file's own, ready for crawler and API processes: indexes, the vault (its key
 * file in a temporary folder that child processes are pointed at), and the simulator's endpoints registered
 * with token credentials and pinned fingerprints.
 */
export interface StrataDatabase {
  db: Db;
  name: string;
  vault: Vault;
  keyFile: string;
  dir: string;
}

export async function strataDatabase(): Promise<StrataDatabase> {
  const { db, name } = await testDb();
  await ensureIndexes(db);
  await ensureRegistryIndexes(db);
  await prepareApiCollections(db);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-resilience-'));
  const keyFile = path.join(dir, 'master.key');
  const vault = await openVault(db, { keyFile });
  afterAll(() => {
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, name, vault, keyFile, dir };
}

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

/** Polls `probe` until it returns a value (not undefined) or the time is up; the slack lives here, not in asserts. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 60_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${timeoutMs} ms${last ? ` (last error: ${(last as Error).message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
