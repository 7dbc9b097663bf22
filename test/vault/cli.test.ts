import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { type Binding, openVault, type VaultOptions } from '../../shared/vault/index.ts';
import { services } from '../support/services.ts';
import { PASS1, PASS2, useFreshDbs, useTempDirs } from './support.ts';

const freshDb = await useFreshDbs();
const tempDir = useTempDirs();
const repo = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repo, 'node_modules', '.bin', 'tsx');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `tsx scripts/strata.ts vault ...` with only the given environment (and PATH, HOME). */
function strata(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(tsx, ['scripts/strata.ts', ...args], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? '', HOME: tempDir(), STRATA_LOG_LEVEL: 'silent', ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
    });
    child.stderr!.on('data', (d) => {
      stderr += d;
    });
    child.stdin?.end(stdin);
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function envFor(db: Db, more: Record<string, string> = {}): Record<string, string> {
  return { MONGODB_URI: services().mongoUri, STRATA_DB_NAME: db.databaseName, ...more };
}
const at = (id: string): Binding => ({ collection: 'clusters_registry', id, field: 'credentials.secret' });
async function seed(db: Db, options: VaultOptions, ids: string[]) {
  const vault = await openVault(db, { ...options, create: false });
  for (const id of ids) {
    await db.collection<{ _id: string }>('clusters_registry').insertOne({
      _id: id,
      credentials: { secret: vault.seal(`secret of ${id}`, at(id)) },
    } as never);
  }
  vault.close();
}
async function expectAllOpen(db: Db, options: VaultOptions, ids: string[]) {
  const vault = await openVault(db, { ...options, create: false, resume: false });
  for (const id of ids) {
    const doc = await db
      .collection<{ _id: string; credentials: { secret: unknown } }>('clusters_registry')
      .findOne({ _id: id });
    expect(vault.open(doc?.credentials.secret, at(id))).toBe(`secret of ${id}`);
  }
  vault.close();
}

describe('strata vault', () => {
  it('says how to get a MongoDB when MONGODB_URI is unset', async () => {
    const r = await strata(['vault', 'status'], {});
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'strata: MONGODB_URI is not set: start `npm run services` and export what it prints, or point it at your MongoDB',
    );
  });

  it('init, status, rotate and a resumed rotate with a key file', async () => {
    const db = freshDb();
    const keyFile = path.join(tempDir(), 'conf', 'master.key');
    const env = envFor(db, { STRATA_VAULT_KEY_FILE: keyFile });

    const init = await strata(['vault', 'init'], env);
    expect(init.stderr).toBe('');
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`Vault set up with key file ${keyFile}; master key `);
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    const firstKey = fs.readFileSync(keyFile);

    const again = await strata(['vault', 'init'], env);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^strata: The vault is already set up in this database: refusing to replace it\.\n$/);
    expect(fs.readFileSync(keyFile)).toEqual(firstKey);

    const ids = ['pve-a', 'pve-b', 'pve-c'];
    await seed(db, { keyFile }, ids);
    const status = await strata(['vault', 'status'], env);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/key source: key file .*master\.key/);
    expect(status.stdout).toMatch(/key: +[0-9a-f]{16} \(opens\)/);
    expect(status.stdout).toContain('sealed:     3 secrets');
    expect(status.stdout).toContain('rotation:   none in progress');
    for (const form of ['base64', 'hex', 'base64url'] as const) {
      expect(status.stdout).not.toContain(firstKey.toString(form));
    }

    const rotated = await strata(['vault', 'rotate'], env);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toMatch(/^Rotation from [0-9a-f]{16} to [0-9a-f]{16} finished: 3 secrets re-sealed\./);
    expect(fs.readFileSync(keyFile)).not.toEqual(firstKey);
    await expectAllOpen(db, { keyFile }, ids);

    const partly = await strata(['vault', 'rotate', '--limit', '1'], env);
    expect(partly.code).toBe(0);
    expect(partly.stdout).toContain('1 secrets re-sealed, stopped at the limit');
    const half = await strata(['vault', 'status', '--json'], env);
    expect(JSON.parse(half.stdout)).toMatchObject({ keyOpens: true, sealed: 3, rotation: { remaining: 2 } });
    await expectAllOpen(db, { keyFile }, ids);
    const resumed = await strata(['vault', 'rotate'], env);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^Carried on the half-done rotation from .* finished: 2 secrets re-sealed\./);
    await expectAllOpen(db, { keyFile }, ids);

    const wrongFile = path.join(tempDir(), 'other.key');
    fs.writeFileSync(wrongFile, Buffer.alloc(32, 1), { mode: 0o600 });
    const wrong = await strata(['vault', 'status'], { ...env, STRATA_VAULT_KEY_FILE: wrongFile });
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('(REFUSED with the given key file or passphrase)');
    expect(wrong.stderr).toMatch(/^strata: Key file .* holds key [0-9a-f]{16}, not the vault's master key/);
  }, 60000);

  it('init, rotate refusal and passphrase changes from the environment and from stdin', async () => {
    const db = freshDb();
    const env = envFor(db, { STRATA_VAULT_PASSPHRASE: PASS1 });
    const init = await strata(['vault', 'init', '--kdf', 'interactive'], env);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain('Vault set up with passphrase (Argon2id, 2 passes, 64 MiB)');
    await seed(db, { passphrase: PASS1 }, ['pve-a', 'pve-b']);

    const rotate = await strata(['vault', 'rotate'], env);
    expect(rotate.code).toBe(1);
    expect(rotate.stderr).toContain('`strata vault passphrase`');

    const viaEnv = await strata(['vault', 'passphrase'], { ...env, STRATA_VAULT_NEW_PASSPHRASE: PASS2 });
    expect(viaEnv.code).toBe(0);
    expect(viaEnv.stdout).toContain('Passphrase changed: 2 secrets re-sealed');
    await expectAllOpen(db, { passphrase: PASS2 }, ['pve-a', 'pve-b']);

    const third = 'third passphrase, piped';
    const viaStdin = await strata(['vault', 'passphrase'], { ...env, STRATA_VAULT_PASSPHRASE: PASS2 }, `${third}\n`);
    expect(viaStdin.code).toBe(0);
    await expectAllOpen(db, { passphrase: third }, ['pve-a', 'pve-b']);

    const old = await strata(['vault', 'status'], env);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^strata: The passphrase does not open the vault/);
    const good = await strata(['vault', 'status'], { ...env, STRATA_VAULT_PASSPHRASE: third });
    expect(good.stdout).toContain('sealed:     2 secrets');

    const short = await strata(['vault', 'passphrase'], { ...env, STRATA_VAULT_PASSPHRASE: third }, 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toBe('strata: The new passphrase must be at least 12 characters.\n');
    const none = await strata(['vault', 'passphrase'], { ...env, STRATA_VAULT_PASSPHRASE: third });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No new passphrase: set STRATA_VAULT_NEW_PASSPHRASE or write it on stdin.');
  }, 60000);

  it.each([
    [['vault', 'init', '--kdf', 'fast']],
    [['vault', 'rotate', '--bogus']],
    [['vault', 'rotate', '--limit', 'many']],
    [['vault', 'status', 'extra']],
    [['vault', 'nonsense']],
  ])('exits 2 on bad usage: %j', async (args) => {
    const r = await strata(args, { MONGODB_URI: services().mongoUri });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error|unknown|invalid|too many/i);
  });
});
