import sodium from 'libsodium-wrappers-sumo';
import type { Db } from 'mongodb';

/**
 * The break-glass administrators: local accounts created from the command line, for first setup and for
 * when the directory is down. There are none unless someone creates one. Passwords are kept as Argon2id
 * hashes (libsodium's crypto_pwhash_str at INTERACTIVE cost: about 0.1 s, run rarely).
 */
export const LOCAL_ADMINS = 'local_admins';
export const MIN_PASSWORD_LENGTH = 12;

interface LocalAdminDoc {
  username: string;
  hash: string;
  createdAt: Date;
  updatedAt: Date;
}

export class LocalAdminError extends Error {
  override name = 'LocalAdminError';
}

const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const collection = (db: Db) => db.collection<LocalAdminDoc>(LOCAL_ADMINS);

async function hashPassword(password: string): Promise<string> {
  await sodium.ready;
  return sodium.crypto_pwhash_str(
    password,
    sodium.crypto_pwhash_OPSLIMIT_INTERACTIVE,
    sodium.crypto_pwhash_MEMLIMIT_INTERACTIVE,
  );
}

/** Creates a local admin, or replaces the password of an existing one when `replace` is set. */
export async function createLocalAdmin(
  db: Db,
  username: string,
  password: string,
  opts: { replace?: boolean } = {},
): Promise<'created' | 'replaced'> {
  if (!USERNAME.test(username)) {
    throw new LocalAdminError('The user name must be 1-64 letters, digits, dots, dashes or underscores.');
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new LocalAdminError(`The password must be at least ${MIN_PASSWORD_LENGTH} characters long.`);
  }
  const now = new Date();
  const existing = await collection(db).findOne({ username }, { projection: { _id: 1 } });
  if (existing && !opts.replace) {
    throw new LocalAdminError(
      `A local admin named "${username}" exists already (use --replace to set a new password).`,
    );
  }
  const hash = await hashPassword(password);
  if (existing) {
    await collection(db).updateOne({ username }, { $set: { hash, updatedAt: now } });
    return 'replaced';
  }
  await collection(db).insertOne({ username, hash, createdAt: now, updatedAt: now });
  return 'created';
}

export async function deleteLocalAdmin(db: Db, username: string): Promise<boolean> {
  return (await collection(db).deleteOne({ username })).deletedCount === 1;
}

export async function listLocalAdmins(db: Db): Promise<{ username: string; createdAt: Date; updatedAt: Date }[]> {
  return collection(db)
    .find({}, { projection: { _id: 0, username: 1, createdAt: 1, updatedAt: 1 } })
    .sort({ username: 1 })
    .toArray();
}

export async function isLocalAdmin(db: Db, username: string): Promise<boolean> {
  return (await collection(db).findOne({ username }, { projection: { _id: 1 } })) !== null;
}

/** null: no local admin has this name (the login goes to LDAP); otherwise whether the password matches. */
export async function verifyLocalAdmin(db: Db, username: string, password: string): Promise<boolean | null> {
  const doc = await collection(db).findOne({ username }, { projection: { hash: 1 } });
  if (!doc) return null;
  if (!password) return false;
  await sodium.ready;
  return sodium.crypto_pwhash_str_verify(doc.hash, password);
}
