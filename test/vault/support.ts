import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { onCleanup } from '../support/cleanup.ts';
import { testDb } from '../support/services.ts';

/** Private temporary folders for key files, removed when the file's tests end. */
export function useTempDirs(): () => string {
  const dirs: string[] = [];
  onCleanup('vault key folders', () => {
    for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
  });
  return () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-vault-'));
    dirs.push(dir);
    return dir;
  };
}

/** A database per test (the vault record is one per database), all dropped when the file's tests end. */
export async function useFreshDbs(): Promise<() => Db> {
  const { client } = await testDb();
  const dbs: Db[] = [];
  // Registered after testDb's own cleanup, so it runs before that closes the client.
  onCleanup('vault test databases', async () => {
    for (const db of dbs) await db.dropDatabase().catch(() => {});
  });
  return () => {
    const db = client.db(`t_${randomBytes(6).toString('hex')}`);
    dbs.push(db);
    return db;
  };
}

/** Writes a key file of the given bytes and mode (for wrong, short and badly protected keys). */
export function writeKey(file: string, bytes: Uint8Array, mode = 0o600): string {
  fs.writeFileSync(file, bytes, { mode });
  fs.chmodSync(file, mode);
  return file;
}

/** Flips one bit of one byte of a base64 string. */
export function flipBase64(b64: string, index = 0): string {
  const bytes = Buffer.from(b64, 'base64');
  bytes[index % bytes.length]! ^= 0x01;
  return bytes.toString('base64');
}

export const PASS1 = 'correct horse battery staple';
export const PASS2 = 'another long passphrase 2';
