import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VaultError } from '../../shared/vault/errors.ts';
import { createKeyFile, readKeyFile, removeStaleNextFiles, replaceKeyFile } from '../../shared/vault/key-file.ts';
import { useTempDirs, writeKey } from './support.ts';

const tempDir = useTempDirs();
const random = () => new Uint8Array(randomBytes(32));
const codeOf = (f: () => unknown) => {
  try {
    f();
    return 'no error';
  } catch (e) {
    return e instanceof VaultError ? e.code : String(e);
  }
};

describe('vault key file', () => {
  it('is created with mode 0600 in a new 0700 folder, and never overwritten', () => {
    const file = path.join(tempDir(), 'conf', 'strata', 'master.key');
    const key = new Uint8Array(32).fill(7);
    expect(createKeyFile(file, key)).toBe(true);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(readKeyFile(file)).toEqual(key);
    expect(createKeyFile(file, new Uint8Array(32).fill(9))).toBe(false);
    expect(readKeyFile(file)).toEqual(key);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['master.key']);
  });

  it.each(['644', '640', '604', '660', '602', '620'])('refuses a key file with mode %s', (mode) => {
    const file = writeKey(path.join(tempDir(), 'master.key'), random(), Number.parseInt(mode, 8));
    expect(codeOf(() => readKeyFile(file))).toBe('key-file-mode');
    expect(() => readKeyFile(file)).toThrow(/must be readable by its owner only \(chmod 600/);
  });

  it('accepts an owner-only key file (0400, 0600, 0700)', () => {
    for (const mode of [0o400, 0o600, 0o700]) {
      const file = writeKey(path.join(tempDir(), 'master.key'), random(), mode);
      expect(readKeyFile(file)).toHaveLength(32);
    }
  });

  it.each([0, 16, 31, 33, 44])('refuses a key file of %i bytes', (n) => {
    const file = writeKey(path.join(tempDir(), 'master.key'), new Uint8Array(n).fill(1));
    expect(codeOf(() => readKeyFile(file))).toBe('key-file-length');
    expect(() => readKeyFile(file)).toThrow(`holds ${n} bytes, not 32`);
  });

  it('refuses a missing key file and a folder', () => {
    const dir = tempDir();
    expect(codeOf(() => readKeyFile(path.join(dir, 'nope.key')))).toBe('key-file-missing');
    expect(codeOf(() => readKeyFile(dir))).toBe('key-file-unreadable');
  });

  it('is replaced through a private <file>.next-* file and one rename', async () => {
    const dir = tempDir();
    const file = writeKey(path.join(dir, 'master.key'), new Uint8Array(32).fill(1));
    const next = new Uint8Array(32).fill(2);
    let during: string[] = [];
    await replaceKeyFile(file, next, () => {
      during = fs.readdirSync(dir).sort();
      const tmp = during.find((n) => n.startsWith('master.key.next-'))!;
      expect(fs.statSync(path.join(dir, tmp)).mode & 0o777).toBe(0o600);
      expect(readKeyFile(file)).toEqual(new Uint8Array(32).fill(1));
    });
    expect(during).toHaveLength(2);
    expect(readKeyFile(file)).toEqual(next);
    expect(fs.readdirSync(dir)).toEqual(['master.key']);
  });

  it('clears the temporary key files a crash left behind', async () => {
    const dir = tempDir();
    const file = writeKey(path.join(dir, 'master.key'), new Uint8Array(32).fill(1));
    writeKey(path.join(dir, 'master.key.next-1-ab'), new Uint8Array(32).fill(2));
    writeKey(path.join(dir, 'other.key'), new Uint8Array(32).fill(3));
    removeStaleNextFiles(file);
    expect(fs.readdirSync(dir).sort()).toEqual(['master.key', 'other.key']);
  });
});
