import type { Db } from 'mongodb';
import { AUDIT } from './audit.ts';
import { LOCAL_ADMINS } from './auth/local-admin.ts';
import { API_TOKENS } from './auth/tokens.ts';

/** Indexes of the API's own collections (tokens are keyed by _id). Idempotent; run at start. */
export async function prepareApiCollections(db: Db): Promise<void> {
  await db.collection(LOCAL_ADMINS).createIndex({ username: 1 }, { unique: true, name: 'username_unique' });
  await db.collection(API_TOKENS).createIndex({ createdAt: -1 }, { name: 'created' });
  await db.collection(AUDIT).createIndex({ actor: 1, _id: -1 }, { name: 'actor_id' });
  await db.collection(AUDIT).createIndex({ action: 1, _id: -1 }, { name: 'action_id' });
  await db.collection(AUDIT).createIndex({ at: -1 }, { name: 'at' });
}
