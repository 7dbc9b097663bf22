import { type Db, MongoClient } from 'mongodb';

export class DatabaseError extends Error {
  override name = 'DatabaseError';
}

/** Connects and checks the server answers, so a wrong MONGODB_URI fails at start with a clear message. */
export async function connectMongo(uri: string, dbName: string): Promise<{ client: MongoClient; db: Db }> {
  const client = new MongoClient(uri, { serverSelectionTimeoutMS: 5000, connectTimeoutMS: 5000 });
  try {
    await client.connect();
    const db = client.db(dbName);
    await db.command({ ping: 1 });
    return { client, db };
  } catch (e) {
    await client.close().catch(() => {});
    throw new DatabaseError(`Cannot reach MongoDB (MONGODB_URI): ${(e as Error).message}`);
  }
}
