import fs from 'node:fs';
import path from 'node:path';
import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { keyId } from '../../shared/vault/envelope.ts';
import { type Binding, initVault, openVault, type Vault, VaultError } from '../../shared/vault/index.ts';
import { loadSodium } from '../../shared/vault/sodium.ts';
import { flipBase64, PASS1, useFreshDbs, useTempDirs, writeKey } from './support.ts';

const freshDb = await useFreshDbs();
const tempDir = useTempDirs();
const sodium = await loadSodium();

async function refusal(p: Promise<unknown>): Promise<VaultError> {
  const e = await p.then(
    () => new Error('expected a refusal'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(VaultError);
  return e as VaultError;
}
function syncRefusal(f: () => unknown): VaultError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(VaultError);
    return e as VaultError;
  }
  throw new Error('expected a refusal');
}

type Rec = { _id: string; [key: string]: unknown };

const at = (id: string, field: 'secret' | 'password'): Binding => ({
  collection: 'clusters_registry',
  id,
  field: `credentials.${field}`,
});

/** Stores a cluster record with both secrets sealed, as the cluster registry does. */
async function storeCluster(db: Db, vault: Vault, id: string, secret: string, password: string) {
  await db.collection<Rec>('clusters_registry').insertOne({
    _id: id,
    name: id,
    credentials: {
      tokenId: 'root@pam!strata',
      secret: vault.seal(secret, at(id, 'secret')),
      password: vault.seal(password, at(id, 'password')),
    },
  });
}
async function stored(db: Db, id: string, field: 'secret' | 'password'): Promise<unknown> {
  const doc = await db
    .collection<{ _id: string; credentials: Record<string, unknown> }>('clusters_registry')
    .findOne({ _id: id });
  return doc?.credentials[field];
}
async function setStored(db: Db, id: string, field: 'secret' | 'password', value: unknown) {
  await db
    .collection<{ _id: string }>('clusters_registry')
    .updateOne({ _id: id }, { $set: { [`credentials.${field}`]: value } });
}
async function dump(db: Db): Promise<string> {
  const names = (await db.listCollections().toArray()).map((c) => c.name);
  const docs = await Promise.all(names.map((n) => db.collection(n).find().toArray()));
  return JSON.stringify(docs);
}

describe('vault with a key file', () => {
  it('creates the key file on first start and opens what it sealed after a restart', async () => {
    const db = freshDb();
    const keyFile = path.join(tempDir(), 'strata', 'master.key');
    const first = await openVault(db, { keyFile });
    expect(fs.statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(fs.statSync(keyFile).size).toBe(32);
    await storeCluster(db, first, 'pve-a', 'token-secret-a', 'pässwörd-ä ✓');
    first.close();

    const again = await openVault(db, { keyFile });
    expect(again.kid).toBe(first.kid);
    expect(again.open(await stored(db, 'pve-a', 'secret'), at('pve-a', 'secret'))).toBe('token-secret-a');
    expect(again.open(await stored(db, 'pve-a', 'password'), at('pve-a', 'password'))).toBe('pässwörd-ä ✓');

    const all = await dump(db);
    expect(all).not.toContain('token-secret-a');
    expect(all).not.toContain(fs.readFileSync(keyFile).toString('base64'));
    expect(all).not.toContain(fs.readFileSync(keyFile).toString('hex'));
    expect(await db.collection('vault').findOne({})).toMatchObject({
      _id: 'master',
      source: 'key-file',
      kid: first.kid,
      check: { kid: first.kid, alg: 'xchacha20poly1305-ietf' },
    });
  });

  it('refuses a ciphertext moved onto another record or another field', async () => {
    const db = freshDb();
    const vault = await openVault(db, { keyFile: path.join(tempDir(), 'master.key') });
    await storeCluster(db, vault, 'pve-a', 'secret-a', 'password-a');
    await storeCluster(db, vault, 'pve-b', 'secret-b', 'password-b');
    const secretOfA = await stored(db, 'pve-a', 'secret');
    await setStored(db, 'pve-b', 'secret', secretOfA);
    await setStored(db, 'pve-a', 'password', secretOfA);

    const onOtherRecord = await stored(db, 'pve-b', 'secret');
    const onOtherField = await stored(db, 'pve-a', 'password');
    expect(onOtherRecord).toEqual(secretOfA);
    expect(syncRefusal(() => vault.open(onOtherRecord, at('pve-b', 'secret'))).code).toBe('tampered');
    expect(syncRefusal(() => vault.open(onOtherField, at('pve-a', 'password'))).message).toMatch(
      /cannot be opened: it was altered, or it belongs to another record or field/,
    );
    expect(vault.open(secretOfA, at('pve-a', 'secret'))).toBe('secret-a');
  });

  it('refuses a tampered ciphertext, nonce or key id read back from the database', async () => {
    const db = freshDb();
    const vault = await openVault(db, { keyFile: path.join(tempDir(), 'master.key') });
    await storeCluster(db, vault, 'pve-a', 'secret-a', 'password-a');
    const env = (await stored(db, 'pve-a', 'secret')) as { ct: string; nonce: string; kid: string };
    for (const [change, code] of [
      [{ ct: flipBase64(env.ct, 3) }, 'tampered'],
      [{ nonce: flipBase64(env.nonce, 3) }, 'tampered'],
      [{ kid: '0123456789abcdef' }, 'unknown-key'],
      [{ v: 2 }, 'bad-envelope'],
    ] as const) {
      await setStored(db, 'pve-a', 'secret', { ...env, ...change });
      const tampered = await stored(db, 'pve-a', 'secret');
      expect(syncRefusal(() => vault.open(tampered, at('pve-a', 'secret'))).code).toBe(code);
    }
    expect(syncRefusal(() => vault.open('plain text', at('pve-a', 'secret'))).code).toBe('bad-envelope');
  });

  it('refuses a wrong key file at start, naming both keys', async () => {
    const db = freshDb();
    const dir = tempDir();
    const vault = await openVault(db, { keyFile: path.join(dir, 'master.key') });
    await storeCluster(db, vault, 'pve-a', 'secret-a', 'password-a');
    const other = writeKey(path.join(dir, 'other.key'), sodium.randombytes_buf(32));
    const e = await refusal(openVault(db, { keyFile: other }));
    expect(e.code).toBe('wrong-key');
    expect(e.message).toContain(`not the vault's master key ${vault.kid}`);
    expect(e.message).toContain(keyId(sodium, new Uint8Array(fs.readFileSync(other))));
  });

  it('refuses a missing key file once the vault exists, and a badly protected or short one', async () => {
    const db = freshDb();
    const dir = tempDir();
    const keyFile = path.join(dir, 'master.key');
    const vault = await openVault(db, { keyFile });
    const copy = fs.readFileSync(keyFile);
    fs.rmSync(keyFile);
    const missing = await refusal(openVault(db, { keyFile }));
    expect(missing.code).toBe('key-file-missing');
    expect(missing.message).toContain(`sealed with key ${vault.kid}: restore that key file`);
    expect(fs.existsSync(keyFile)).toBe(false);

    writeKey(keyFile, copy, 0o644);
    expect((await refusal(openVault(db, { keyFile }))).code).toBe('key-file-mode');
    writeKey(keyFile, copy.subarray(0, 31), 0o600);
    expect((await refusal(openVault(db, { keyFile }))).code).toBe('key-file-length');
    writeKey(keyFile, copy, 0o600);
    expect((await openVault(db, { keyFile })).kid).toBe(vault.kid);
  });

  it('seals only registered fields, with a complete binding', async () => {
    const db = freshDb();
    const vault = await openVault(db, { keyFile: path.join(tempDir(), 'master.key') });
    expect(syncRefusal(() => vault.seal('x', { collection: 'clusters_registry', id: 'a', field: 'notes' })).code).toBe(
      'unregistered-field',
    );
    expect(
      syncRefusal(() => vault.seal('x', { collection: 'clusters_registry', id: '', field: 'credentials.secret' })).code,
    ).toBe('bad-binding');
  });

  it('sets up once: init refuses an existing vault or key file, and opening without create needs one', async () => {
    const db = freshDb();
    const dir = tempDir();
    expect((await refusal(openVault(db, { keyFile: path.join(dir, 'k'), create: false }))).code).toBe(
      'not-initialised',
    );
    expect(fs.existsSync(path.join(dir, 'k'))).toBe(false);

    const keyFile = writeKey(path.join(dir, 'existing.key'), sodium.randombytes_buf(32));
    const before = fs.readFileSync(keyFile);
    expect((await refusal(initVault(db, { keyFile }))).code).toBe('key-file-exists');
    expect(fs.readFileSync(keyFile)).toEqual(before);

    await initVault(db, { keyFile: path.join(dir, 'master.key') });
    expect((await refusal(initVault(db, { keyFile: path.join(dir, 'third.key') }))).code).toBe('already-initialised');
    expect(fs.existsSync(path.join(dir, 'third.key'))).toBe(false);
  });

  it('two processes starting at once on an empty database end up with one key', async () => {
    const db = freshDb();
    const keyFile = path.join(tempDir(), 'master.key');
    const [a, b] = await Promise.all([openVault(db, { keyFile }), openVault(db, { keyFile })]);
    expect(a.kid).toBe(b.kid);
    expect(await db.collection('vault').countDocuments()).toBe(1);
    const env = a.seal('shared', at('x', 'secret'));
    expect(b.open(env, at('x', 'secret'))).toBe('shared');
  });

  it('refuses to set up a new key over secrets sealed under a lost one', async () => {
    const db = freshDb();
    const dir = tempDir();
    const vault = await openVault(db, { keyFile: path.join(dir, 'master.key') });
    await storeCluster(db, vault, 'pve-a', 'secret-a', 'password-a');
    await db.collection('vault').deleteMany({});
    const e = await refusal(openVault(db, { keyFile: path.join(dir, 'new.key') }));
    expect(e.code).toBe('orphan-secrets');
  });

  it('reports its status without any key', async () => {
    const db = freshDb();
    const keyFile = path.join(tempDir(), 'master.key');
    const vault = await openVault(db, { keyFile });
    await storeCluster(db, vault, 'pve-a', 'a', 'b');
    await storeCluster(db, vault, 'pve-b', 'c', 'd');
    const status = await vault.status();
    expect(status).toMatchObject({
      initialised: true,
      source: 'key-file',
      kid: vault.kid,
      keyFile,
      sealed: 4,
      byKid: { [vault.kid]: 4 },
      rotation: null,
    });
    expect(JSON.stringify(status)).not.toContain(fs.readFileSync(keyFile).toString('base64'));
  });
});

describe('vault with a passphrase', () => {
  it('derives the key with Argon2id, stores salt, limits and key check, and reopens', async () => {
    const db = freshDb();
    const vault = await openVault(db, { passphrase: PASS1, kdf: 'interactive' });
    await storeCluster(db, vault, 'pve-a', 'secret-a', 'password-a');
    const record = await db.collection('vault').findOne({});
    expect(record).toMatchObject({
      source: 'passphrase',
      kid: vault.kid,
      kdf: { alg: 'argon2id13', opslimit: 2, memlimit: 64 * 1024 * 1024 },
      check: { kid: vault.kid },
    });
    expect(Buffer.from(String(record?.kdf.salt), 'base64')).toHaveLength(16);
    expect(await dump(db)).not.toContain(PASS1);

    const again = await openVault(db, { passphrase: PASS1 });
    expect(again.open(await stored(db, 'pve-a', 'secret'), at('pve-a', 'secret'))).toBe('secret-a');
  });

  it('refuses a wrong passphrase at start', async () => {
    const db = freshDb();
    await initVault(db, { passphrase: PASS1, kdf: 'interactive' });
    const e = await refusal(openVault(db, { passphrase: `${PASS1}!` }));
    expect(e.code).toBe('wrong-passphrase');
    expect(e.message).toMatch(/passphrase does not open the vault/);
  });

  it('refuses the other kind of credential', async () => {
    const pdb = freshDb();
    await initVault(pdb, { passphrase: PASS1, kdf: 'interactive' });
    const k = path.join(tempDir(), 'master.key');
    const toKeyFile = await refusal(openVault(pdb, { keyFile: k }));
    expect(toKeyFile.code).toBe('wrong-source');
    expect(toKeyFile.message).toContain('set up with a passphrase');
    expect(fs.existsSync(k)).toBe(false);

    const kdb = freshDb();
    await initVault(kdb, { keyFile: k });
    expect((await refusal(openVault(kdb, { passphrase: PASS1 }))).message).toContain('set up with a key file');
  });
});
