import os from 'node:os';
import type { Db } from 'mongodb';
import { audit } from '../api/audit.ts';
import { loadConfig } from '../shared/config.ts';
import { connectMongo } from '../shared/db.ts';

export const cliActor = () => `cli:${os.userInfo().username}`;

/**
 * Runs a command against Strata's database (MONGODB_URI, STRATA_DB_NAME). With an action name, the outcome is
 * written to the audit log as done from the command line; `record.target` may be set by the work.
 */
export async function withDatabase(
  action: string | null,
  target: string | null,
  work: (db: Db, record: { target: string | null }) => Promise<void>,
): Promise<void> {
  const config = loadConfig();
  if (!config.MONGODB_URI) throw new Error("MONGODB_URI is not set: point it at Strata's database.");
  const { client, db } = await connectMongo(config.MONGODB_URI, config.STRATA_DB_NAME);
  const record = { target };
  try {
    await work(db, record);
    if (action)
      await audit(db, { actor: cliActor(), action, target: record.target, outcome: 'success', address: 'cli' });
  } catch (e) {
    if (action) {
      await audit(db, {
        actor: cliActor(),
        action,
        target: record.target,
        outcome: 'failure',
        address: 'cli',
        details: { why: (e as Error).message },
      }).catch(() => {});
    }
    throw e;
  } finally {
    await client.close();
  }
}
