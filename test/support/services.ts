import { randomBytes } from 'node:crypto';
import type { Db, MongoClient } from 'mongodb';
import { inject } from 'vitest';
import { connectMongo } from '../../shared/db.ts';
import { onCleanup } from './cleanup.ts';

/** The services the run started (see global-setup.ts). A test that needs one fails when it is missing. */
export function services() {
  const s = inject('services');
  if (!s?.mongoUri || !s.redisUrl || !s.ldap?.url) {
    throw new Error('test services are missing: run the tests through `npm test` (vitest globalSetup starts them)');
  }
  return s;
}

/**
 * A database of this test file's own, dropped when the file's tests end. The name is random so files
 * running in parallel never share state.
 */
export async function testDb(): Promise<{ db: Db; client: MongoClient; name: string }> {
  const name = `t_${randomBytes(6).toString('hex')}`;
  const { client, db } = await connectMongo(services().mongoUri, name);
  // onCleanup, not afterAll: files call this from beforeAll too, where vitest 4 ignores afterAll.
  onCleanup(`database ${name}`, async () => {
    await db.dropDatabase().catch(() => {});
    await client.close();
  });
  return { db, client, name };
}
