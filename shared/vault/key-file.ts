import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { VaultError } from './errors.ts';

export const KEY_BYTES = 32;

/**
 * Reads a master key file: exactly 32 raw bytes, a regular file readable by its owner only. Anything else is
 * refused with a sentence saying what to fix.
 */
export function readKeyFile(keyFile: string): Uint8Array {
  let st: fs.Stats;
  try {
    st = fs.statSync(keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new VaultError('key-file-missing', `Key file ${keyFile} does not exist.`);
    }
    throw new VaultError('key-file-unreadable', `Key file ${keyFile} cannot be read: ${(e as Error).message}.`);
  }
  if (!st.isFile()) throw new VaultError('key-file-unreadable', `Key file ${keyFile} is not a regular file.`);
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
    throw new VaultError(
      'key-file-mode',
      `Key file ${keyFile} has mode ${mode}: it must be readable by its owner only (chmod 600 ${keyFile}).`,
    );
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(keyFile);
  } catch (e) {
    throw new VaultError('key-file-unreadable', `Key file ${keyFile} cannot be read: ${(e as Error).message}.`);
  }
  if (bytes.length !== KEY_BYTES) {
    bytes.fill(0);
    throw new VaultError(
      'key-file-length',
      `Key file ${keyFile} holds ${bytes.length} bytes, not ${KEY_BYTES}: it is not a Strata master key.`,
    );
  }
  return new Uint8Array(bytes);
}

function writeDurably(file: string, key: Uint8Array): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.fchmodSync(fd, 0o600);
    fs.writeSync(fd, key);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function syncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function ensureParentDir(keyFile: string): string {
  const dir = path.dirname(path.resolve(keyFile));
  if (!fs.existsSync(dir)) fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  return dir;
}

/**
 * Creates the key file holding `key` unless one exists (then returns false and leaves it alone). The key is
 * written to a private temporary file first and hard-linked into place, so a reader never sees half a key and
 * two processes starting at once cannot both create one.
 */
export function createKeyFile(keyFile: string, key: Uint8Array): boolean {
  const dir = ensureParentDir(keyFile);
  const tmp = `${keyFile}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeDurably(tmp, key);
  try {
    fs.linkSync(tmp, keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  syncDir(dir);
  return true;
}

/**
 * Replaces the key file with `key`: written durably to a private `<file>.next-*` file, then renamed over the
 * key file, which is atomic. Each writer has its own temporary file, so two processes finishing the same
 * rotation at once cannot truncate each other's. `afterNextWritten` runs between the two steps (tests crash
 * there). A rename whose file another process's clean-up removed is fine when the key file already holds
 * `key`.
 */
export async function replaceKeyFile(
  keyFile: string,
  key: Uint8Array,
  afterNextWritten?: () => void | Promise<void>,
): Promise<void> {
  const dir = ensureParentDir(keyFile);
  const next = `${keyFile}.next-${process.pid}-${randomBytes(4).toString('hex')}`;
  writeDurably(next, key);
  syncDir(dir);
  await afterNextWritten?.();
  try {
    fs.renameSync(next, keyFile);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT' || !Buffer.from(readKeyFile(keyFile)).equals(key)) throw e;
  }
  syncDir(dir);
}

/** Removes `<file>.next-*` files a crash left behind (they hold a key that is no longer needed). */
export function removeStaleNextFiles(keyFile: string): void {
  const dir = path.dirname(path.resolve(keyFile));
  const prefix = `${path.basename(keyFile)}.next-`;
  for (const name of fs.readdirSync(dir)) {
    if (name.startsWith(prefix)) fs.rmSync(path.join(dir, name), { force: true });
  }
}
