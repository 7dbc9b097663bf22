import fs from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import {
  type Binding,
  initVault,
  openVault,
  type RotationStep,
  type Vault,
  VaultError,
  type VaultOptions,
} from '../../shared/vault/index.ts';
import { PASS1, PASS2, useFreshDbs, useTempDirs } from './support.ts';

const freshDb = await useFreshDbs();
const tempDir = useTempDirs();

type Rec = { _id: string; [key: string]: unknown };
const FIELDS = ['secret', 'password'] as const;
const IDS = ['pve-a', 'pve-b', 'pve-c'];
const at = (id: string, field: string): Binding => ({
  collection: 'clusters_registry',
  id,
  field: `credentials.${field}`,
});
const plain = (id: string, field: string) => `${field} of ${id} ✓`;

class Crash extends Error {}

async function seed(db: Db, vault: Vault, ids = IDS) {
  for (const id of ids) {
    const credentials = Object.fromEntries(FIELDS.map((f) => [f, vault.seal(plain(id, f), at(id, f))]));
    await db.collection<Rec>('clusters_registry').insertOne({ _id: id, credentials });
  }
}

/** Every secret opens with the given vault and holds what was sealed. */
async function expectAllOpen(db: Db, vault: Vault, ids = IDS) {
  const docs = await db.collection<Rec>('clusters_registry').find().toArray();
  expect(docs.map((d) => d._id).sort()).toEqual([...ids].sort());
  for (const doc of docs) {
    for (const f of FIELDS) {
      const env = (doc.credentials as Record<string, unknown>)[f];
      expect(vault.open(env, at(doc._id, f))).toBe(plain(doc._id, f));
    }
  }
}
async function kidsInDb(db: Db): Promise<string[]> {
  const docs = await db.collection<Rec>('clusters_registry').find().toArray();
  return docs.flatMap((d) =>
    FIELDS.map((f) => ((d.credentials as Record<string, { kid: string }>)[f] as { kid: string }).kid),
  );
}
function crashAt(step: RotationStep, nth = 1) {
  let seen = 0;
  return (s: RotationStep) => {
    if (s === step && ++seen === nth) throw new Crash(`crash after ${step} #${nth}`);
  };
}
async function refusalCode(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'no error',
    (e: unknown) => (e instanceof VaultError ? e.code : String(e)),
  );
}

async function keyFileVault() {
  const db = freshDb();
  const dir = tempDir();
  const keyFile = path.join(dir, 'master.key');
  const vault = await openVault(db, { keyFile });
  await seed(db, vault);
  const oldCopy = path.join(dir, 'old.key');
  fs.copyFileSync(keyFile, oldCopy);
  return { db, dir, keyFile, vault, oldCopy };
}

describe('vault rotation with a key file', () => {
  it('re-seals every secret under a new key, after which the old key is not needed', async () => {
    const { db, keyFile, vault, oldCopy } = await keyFileVault();
    const oldKid = vault.kid;
    const steps: RotationStep[] = [];
    const result = await vault.rotate({ onStep: (s) => void steps.push(s) });
    expect(result).toMatchObject({ from: oldKid, resealed: 6, resumed: false, complete: true });
    expect(result.to).not.toBe(oldKid);
    expect(vault.kid).toBe(result.to);
    expect(vault.kids).toEqual([result.to]);
    expect(steps.filter((s) => s === 'resealed')).toHaveLength(6);
    expect(steps[0]).toBe('recorded');
    expect(steps.slice(7)).toEqual(['resealed-all', 'key-file-next-written', 'key-file-swapped', 'finalized']);
    expect(new Set(await kidsInDb(db))).toEqual(new Set([result.to]));

    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(path.dirname(keyFile)).sort()).toEqual(['master.key', 'old.key']);
    expect(await db.collection('vault').findOne({})).toMatchObject({ kid: result.to, check: { kid: result.to } });
    expect((await db.collection('vault').findOne({}))?.rotation).toBeUndefined();

    const restarted = await openVault(db, { keyFile });
    await expectAllOpen(db, restarted);
    expect(await refusalCode(openVault(db, { keyFile: oldCopy }))).toBe('wrong-key');
    expect(await vault.status()).toMatchObject({ sealed: 6, byKid: { [result.to]: 6 }, rotation: null });
  });

  const crashPoints: [RotationStep, number][] = [
    ['recorded', 1],
    ['resealed', 1],
    ['resealed', 4],
    ['resealed-all', 1],
    ['key-file-next-written', 1],
    ['key-file-swapped', 1],
  ];
  it.each(crashPoints)(
    'loses no secret when cut off after %s #%i, and is finished at the next start',
    async (step, nth) => {
      const { db, keyFile, vault, oldCopy } = await keyFileVault();
      const oldKid = vault.kid;
      await expect(vault.rotate({ onStep: crashAt(step, nth) })).rejects.toBeInstanceOf(Crash);
      vault.close();

      const record = await db.collection('vault').findOne({});
      const newKid = record?.rotation?.to as string;
      expect(record).toMatchObject({ kid: oldKid, rotation: { from: oldKid } });
      const kids = await kidsInDb(db);
      expect(kids.filter((k) => k === newKid)).toHaveLength(step === 'recorded' ? 0 : step === 'resealed' ? nth : 6);

      // What is on disk and in MongoDB opens every secret: with the key file as the crash left it, and with
      // the old key too (the rotation record holds each key sealed under the other).
      for (const file of [keyFile, oldCopy]) {
        const v = await openVault(db, { keyFile: file, resume: false });
        expect(v.kids.sort()).toEqual([oldKid, newKid].sort());
        expect(v.kid).toBe(newKid);
        await expectAllOpen(db, v);
        v.close();
      }
      expect((await openVault(db, { keyFile, resume: false })).kid).toBe(newKid);

      // The next start finishes it; afterwards only the new key opens anything.
      const resumed = await openVault(db, { keyFile });
      expect(resumed.kids).toEqual([newKid]);
      await expectAllOpen(db, resumed);
      expect(new Set(await kidsInDb(db))).toEqual(new Set([newKid]));
      expect(await resumed.status()).toMatchObject({ kid: newKid, rotation: null, byKid: { [newKid]: 6 } });
      expect(fs.readdirSync(path.dirname(keyFile)).sort()).toEqual(['master.key', 'old.key']);
      expect(await refusalCode(openVault(db, { keyFile: oldCopy }))).toBe('wrong-key');
    },
  );

  it('stops at a limit, reports the half-done rotation, and carries on with rotate()', async () => {
    const { db, vault } = await keyFileVault();
    const first = await vault.rotate({ limit: 2 });
    expect(first).toMatchObject({ resealed: 2, complete: false, resumed: false });
    const status = await vault.status();
    expect(status.rotation).toMatchObject({ from: first.from, to: first.to, remaining: 4 });
    expect(status.byKid).toEqual({ [first.from]: 4, [first.to]: 2 });

    const other = await openVault(db, { keyFile: (await vault.status()).keyFile!, resume: false });
    const second = await other.rotate();
    expect(second).toMatchObject({ from: first.from, to: first.to, resealed: 4, resumed: true, complete: true });
    expect((await other.status()).rotation).toBeNull();
    await expectAllOpen(db, other);
  });

  it.each<RotationStep>(['resealed', 'key-file-swapped'])(
    're-seals a secret written under the old key meanwhile (after %s) by a process that had not seen the rotation',
    async (when, _total) => {
      const { db, keyFile, vault } = await keyFileVault();
      const stale = await openVault(db, { keyFile });
      const oldKid = stale.kid;
      let late = false;
      const result = await vault.rotate({
        onStep: async (s) => {
          if (s === when && !late) {
            late = true;
            await seed(db, stale, ['pve-late']);
          }
        },
      });
      expect(late).toBe(true);
      expect(result.resealed).toBe(8);
      const kids = await kidsInDb(db);
      expect(kids).toHaveLength(8);
      expect(kids).not.toContain(oldKid);
      await expectAllOpen(db, await openVault(db, { keyFile }), [...IDS, 'pve-late']);
    },
  );

  it('lets a process that opened before the rotation refresh to the new key', async () => {
    const { db, keyFile, vault } = await keyFileVault();
    const other = await openVault(db, { keyFile });
    await vault.rotate();
    const env = vault.seal('new secret', at('pve-new', 'secret'));
    expect(() => other.open(env, at('pve-new', 'secret'))).toThrow(/which this process does not hold/);
    await other.refresh();
    expect(other.open(env, at('pve-new', 'secret'))).toBe('new secret');
    expect(other.kid).toBe(vault.kid);
  });

  it('seals with the latest key when asked to, even after another process rotated it', async () => {
    const { vault, db, keyFile } = await keyFileVault();
    const other = await openVault(db, { keyFile });
    await vault.rotate();
    const env = await other.sealLatest('fresh', at('pve-new', 'secret'));
    expect(env.kid).toBe(vault.kid);
    expect(vault.open(env, at('pve-new', 'secret'))).toBe('fresh');
  });

  it('refuses a passphrase change on a key file vault', async () => {
    const { vault } = await keyFileVault();
    expect(await refusalCode(vault.changePassphrase(PASS2))).toBe('wrong-source');
  });
});

describe('vault rotation with a passphrase', () => {
  const pass = (passphrase: string, more: Partial<VaultOptions> = {}): VaultOptions => ({ passphrase, ...more });

  it('changes the passphrase by re-sealing every secret; the old passphrase no longer opens', async () => {
    const db = freshDb();
    const vault = await initVault(db, pass(PASS1, { kdf: 'interactive' }));
    await seed(db, vault);
    const before = await db.collection('vault').findOne({});
    expect(await refusalCode(vault.rotate())).toBe('needs-passphrase');
    expect(await refusalCode(vault.changePassphrase(PASS1))).toBe('same-passphrase');

    const result = await vault.changePassphrase(PASS2);
    expect(result).toMatchObject({ resealed: 6, complete: true });
    const after = await db.collection('vault').findOne({});
    expect(after?.kdf.salt).not.toBe(before?.kdf.salt);
    expect(after?.kdf).toMatchObject({ opslimit: 2, memlimit: 64 * 1024 * 1024 });
    expect(await refusalCode(openVault(db, pass(PASS1)))).toBe('wrong-passphrase');
    await expectAllOpen(db, await openVault(db, pass(PASS2)));
  });

  it.each<[RotationStep, number]>([
    ['recorded', 1],
    ['resealed', 3],
    ['resealed-all', 1],
  ])(
    'loses no secret when cut off after %s #%i: either passphrase opens all, and the next start finishes',
    async (step, nth) => {
      const db = freshDb();
      const vault = await initVault(db, pass(PASS1, { kdf: 'interactive' }));
      await seed(db, vault);
      await expect(vault.changePassphrase(PASS2, { onStep: crashAt(step, nth) })).rejects.toBeInstanceOf(Crash);

      for (const p of [PASS1, PASS2]) {
        const v = await openVault(db, pass(p, { resume: false }));
        expect(v.kids).toHaveLength(2);
        await expectAllOpen(db, v);
      }
      expect(await refusalCode(openVault(db, pass('neither of the two passphrases')))).toBe('wrong-passphrase');

      const resumed = await openVault(db, pass(PASS2));
      expect((await resumed.status()).rotation).toBeNull();
      await expectAllOpen(db, resumed);
      expect(await refusalCode(openVault(db, pass(PASS1)))).toBe('wrong-passphrase');
    },
  );

  it('finishes a half-done change first when the passphrase is changed again', async () => {
    const db = freshDb();
    const vault = await initVault(db, pass(PASS1, { kdf: 'interactive' }));
    await seed(db, vault);
    await vault.changePassphrase(PASS2, { limit: 1 });
    const third = 'a third long passphrase';
    const result = await (await openVault(db, pass(PASS1, { resume: false }))).changePassphrase(third);
    expect(result.complete).toBe(true);
    await expectAllOpen(db, await openVault(db, pass(third)));
    expect(await refusalCode(openVault(db, pass(PASS2)))).toBe('wrong-passphrase');
  });

  it('tells a process still on the old passphrase that it must restart', async () => {
    const db = freshDb();
    const vault = await initVault(db, pass(PASS1, { kdf: 'interactive' }));
    const stale = await openVault(db, pass(PASS1));
    await vault.changePassphrase(PASS2);
    expect(await refusalCode(stale.refresh())).toBe('stale-key');
  });
});
