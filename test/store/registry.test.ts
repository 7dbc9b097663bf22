import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addCluster,
  getCluster,
  listClusters,
  listEntries,
  openAuth,
  REGISTRY_COLLECTION,
  RegistryError,
  removeCluster,
  setCredentials,
  updateCluster,
} from '../../shared/registry/index.ts';
import { openVault, type Vault } from '../../shared/vault/index.ts';
import { testDb } from '../support/services.ts';

const FP = 'ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89';
const SECRET = '5f0c4b2e-1111-4222-8333-944455556666';
let db: Db;
let vault: Vault;
const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-registry-'));

beforeAll(async () => {
  db = (await testDb()).db;
  vault = await openVault(db, { keyFile: path.join(dir, 'master.key') });
});
afterAll(() => {
  vault?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('cluster registry', () => {
  it('stores a cluster with its secret sealed and the fingerprint in canonical form', async () => {
    const view = await addCluster(db, vault, {
      name: 'prod-1',
      host: 'pve1.example.com',
      tokenId: 'strata@pve!crawler',
      secret: SECRET,
      fingerprint: FP,
      groups: ['prod'],
    });
    expect(view).toMatchObject({
      name: 'prod-1',
      kind: 'pve',
      port: 8006,
      fingerprint: FP.toUpperCase(),
      enabled: true,
      tagNotes: false,
      credentials: { type: 'token', tokenId: 'strata@pve!crawler', secretSet: true },
    });
    expect(JSON.stringify(view)).not.toContain(SECRET);
    const raw = await db.collection(REGISTRY_COLLECTION).findOne({ _id: 'prod-1' as never });
    expect(JSON.stringify(raw)).not.toContain(SECRET);
    expect(raw?.credentials.secret).toMatchObject({ v: 1, alg: 'xchacha20poly1305-ietf' });
    const entry = await getCluster(db, 'prod-1');
    expect(openAuth(vault, entry)).toEqual({ type: 'token', tokenId: 'strata@pve!crawler', secret: SECRET });
  });

  it('binds the sealed secret to its record: copied onto another cluster it does not open', async () => {
    await addCluster(db, vault, {
      name: 'pbs',
      kind: 'pbs',
      host: '10.0.0.9',
      username: 'root@pam',
      password: 'pw-123',
      fingerprint: FP,
    });
    const pbs = await getCluster(db, 'pbs');
    expect(pbs.port).toBe(8007);
    const prod = await getCluster(db, 'prod-1');
    expect(() =>
      openAuth(vault, {
        ...pbs,
        credentials: { type: 'token', tokenId: 'x@pve!y', secret: (prod.credentials as { secret: unknown }).secret },
      }),
    ).toThrow();
  });

  it('refuses bad input with a message naming the field', async () => {
    const bad = async (input: Record<string, unknown>) => {
      try {
        await addCluster(db, vault, {
          name: 'x',
          host: 'h',
          tokenId: 'a@pve!b',
          secret: 's',
          fingerprint: FP,
          ...input,
        } as never);
      } catch (e) {
        expect(e).toBeInstanceOf(RegistryError);
        return (e as RegistryError).message;
      }
      throw new Error('accepted');
    };
    expect(await bad({ name: '-bad' })).toMatch(/^name: a cluster name is 1 to 63/);
    expect(await bad({ name: 'a'.repeat(64) })).toMatch(/^name:/);
    expect(await bad({ host: 'https://pve1' })).toMatch(/^host: a host is a DNS name or an IP address/);
    expect(await bad({ port: 70000 })).toMatch(/^port: port is between 1 and 65535/);
    expect(await bad({ fingerprint: 'AB:CD' })).toMatch(/^fingerprint: a fingerprint is a SHA-256/);
    expect(await bad({ tokenId: 'crawler' })).toMatch(/^tokenId: a token id looks like user@realm!tokenname/);
    expect(await bad({ secret: undefined })).toMatch(/^secret: the token secret is missing/);
    expect(await bad({ username: 'root@pam', password: 'x' })).toMatch(/either an API token/);
    expect(await bad({ kind: 'vmware' })).toMatch(/^kind: kind is pve or pbs/);
  });

  it('refuses a second cluster with the same name', async () => {
    await expect(
      addCluster(db, vault, { name: 'prod-1', host: 'h2', tokenId: 'a@pve!b', secret: 's', fingerprint: FP }),
    ).rejects.toMatchObject({ code: 'EXISTS' });
  });

  it('lists without secrets, updates, re-keys and removes', async () => {
    const list = await listClusters(db);
    expect(list.map((c) => c.name)).toEqual(['pbs', 'prod-1']);
    expect(list[0]?.credentials).toEqual({ type: 'password', username: 'root@pam', passwordSet: true });
    await updateCluster(db, 'prod-1', { enabled: false, excludeNodes: ['pve9'] });
    expect((await listEntries(db, { enabledOnly: true })).map((e) => e.name)).toEqual(['pbs']);
    await setCredentials(db, vault, 'prod-1', { tokenId: 'other@pve!t', secret: 'new-secret' });
    expect(openAuth(vault, await getCluster(db, 'prod-1'))).toMatchObject({
      tokenId: 'other@pve!t',
      secret: 'new-secret',
    });
    await removeCluster(db, 'prod-1');
    await expect(getCluster(db, 'prod-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(removeCluster(db, 'prod-1')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
