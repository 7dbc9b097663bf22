import { describe, expect, it } from 'vitest';
import { associatedData, type Binding, isSealed, keyId, openBytes, sealBytes } from '../../shared/vault/envelope.ts';
import { VaultError } from '../../shared/vault/errors.ts';
import { loadSodium } from '../../shared/vault/sodium.ts';
import { flipBase64 } from './support.ts';

const sodium = await loadSodium();
const key = sodium.randombytes_buf(32);
const kid = keyId(sodium, key);
const here: Binding = { collection: 'clusters_registry', id: 'pve-a', field: 'credentials.secret' };
const open = (env: unknown, binding: Binding = here, k = key) =>
  sodium.to_string(openBytes(sodium, k, env as never, binding));
const code = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return e instanceof VaultError ? e.code : `not a VaultError: ${e}`;
  }
  return 'no error';
};

describe('vault envelope', () => {
  it('round-trips and names the key, never holding the plaintext', () => {
    const env = sealBytes(sodium, key, kid, 'root@pam!strata=8d6f-secret', here);
    expect(env).toMatchObject({ v: 1, kid, alg: 'xchacha20poly1305-ietf' });
    expect(Buffer.from(env.nonce, 'base64')).toHaveLength(24);
    expect(JSON.stringify(env)).not.toContain('secret');
    expect(open(env)).toBe('root@pam!strata=8d6f-secret');
    expect(isSealed(env)).toBe(true);
  });

  it('uses a fresh nonce for every seal', () => {
    const a = sealBytes(sodium, key, kid, 'same', here);
    const b = sealBytes(sodium, key, kid, 'same', here);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ct).not.toBe(b.ct);
  });

  it.each([0, 5, 17, 30])('refuses a ciphertext with byte %i flipped', (i) => {
    const env = sealBytes(sodium, key, kid, 'secret value', here);
    expect(code(() => open({ ...env, ct: flipBase64(env.ct, i) }))).toBe('tampered');
  });

  it.each([0, 12, 23])('refuses a nonce with byte %i flipped', (i) => {
    const env = sealBytes(sodium, key, kid, 'secret value', here);
    expect(code(() => open({ ...env, nonce: flipBase64(env.nonce, i) }))).toBe('tampered');
  });

  it('refuses a truncated ciphertext, a short nonce and bad base64', () => {
    const env = sealBytes(sodium, key, kid, 'secret value', here);
    const ct = Buffer.from(env.ct, 'base64');
    expect(code(() => open({ ...env, ct: ct.subarray(0, ct.length - 1).toString('base64') }))).toBe('tampered');
    expect(code(() => open({ ...env, nonce: Buffer.alloc(12).toString('base64') }))).toBe('bad-envelope');
    expect(code(() => open({ ...env, ct: '%%%not base64' }))).toBe('bad-envelope');
  });

  it.each<[string, Binding]>([
    ['another record', { ...here, id: 'pve-b' }],
    ['another field', { ...here, field: 'credentials.password' }],
    ['another collection', { ...here, collection: 'users' }],
  ])('refuses a ciphertext moved to %s', (_, elsewhere) => {
    const env = sealBytes(sodium, key, kid, 'secret value', here);
    expect(code(() => open(env, elsewhere))).toBe('tampered');
  });

  it('refuses another key', () => {
    const env = sealBytes(sodium, key, kid, 'secret value', here);
    expect(code(() => open(env, here, sodium.randombytes_buf(32)))).toBe('tampered');
  });

  it('keeps the binding parts apart in the associated data', () => {
    const a = associatedData({ collection: 'a:b', id: 'c', field: 'f' });
    const b = associatedData({ collection: 'a', id: 'b:c', field: 'f' });
    expect(a).not.toBe(b);
    expect(a.startsWith('strata-vault:v1:')).toBe(true);
  });

  it('tells envelopes from other values', () => {
    const env = sealBytes(sodium, key, kid, 'x', here);
    for (const bad of [
      null,
      'text',
      {},
      { ...env, v: 2 },
      { ...env, alg: 'aes' },
      { ...env, extra: 1 },
      { ...env, kid: 'KEY' },
    ]) {
      expect(isSealed(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('derives a key id that names the key without revealing it', () => {
    const other = sodium.randombytes_buf(32);
    expect(kid).toMatch(/^[0-9a-f]{16}$/);
    expect(keyId(sodium, key)).toBe(kid);
    expect(keyId(sodium, other)).not.toBe(kid);
    expect(sodium.to_hex(key)).not.toContain(kid);
  });
});
