import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { prepareApiCollections } from '../../../api/database.ts';
import { connectMongo } from '../../../shared/db.ts';
import { ensureRegistryIndexes } from '../../../shared/registry/index.ts';
import { ensureIndexes } from '../../../shared/store/index.ts';
import { openVault, type Vault } from '../../../shared/vault/index.ts';
import { onCleanup } from '../../support/cleanup.ts';
import { services } from '../../support/services.ts';

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
  const name = `t_${randomBytes(6).toString('hex')}`;
  const { db, client } = await connectMongo(services().mongoUri, name);
  onCleanup(`database ${name}`, async () => {
    await db.dropDatabase().catch(() => {});
    await client.close();
  });
  await ensureIndexes(db);
  await ensureRegistryIndexes(db);
  await prepareApiCollections(db);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-resilience-'));
  const keyFile = path.join(dir, 'master.key');
  const vault = await openVault(db, { keyFile });
  onCleanup('vault and key file', () => {
    vault.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { db, name, vault, keyFile, dir };
}

export { registerEndpoints } from './register.ts';
export { eventually } from './wait.ts';
