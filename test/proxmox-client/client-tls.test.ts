import { generate } from 'selfsigned';
import { Agent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ClientConfigError,
  ConnectionError,
  fetchFingerprint,
  ProxmoxClient,
  TlsPinMismatchError,
} from '../../shared/proxmox/index.ts';
import { closedPort, type Simulator, startTinySimulator, tokenClient } from './sim-clients.ts';

let sim: Simulator;
const clients: ProxmoxClient[] = [];
const track = <T extends ProxmoxClient>(c: T): T => {
  clients.push(c);
  return c;
};

beforeAll(async () => {
  sim = await startTinySimulator();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

const pve = () => sim.clusters[0]!;
const pbs = () => sim.pbs[0]!;

/** The same fingerprint with its last hex digit changed. */
const wrongFingerprint = (fp: string) => fp.slice(0, -1) + (fp.endsWith('0') ? '1' : '0');

describe('fetchFingerprint', () => {
  it('reads the certificate a user is asked to confirm', async () => {
    const info = await fetchFingerprint(pve().host, pve().port, { timeoutMs: 3000 });
    expect(info.fingerprint).toBe(pve().fingerprint);
    expect(info.subject).toMatch(/CN=/);
    expect(info.issuer).toMatch(/CN=/);
    expect(new Date(info.validFrom).getTime()).toBeLessThan(Date.now());
    expect(new Date(info.validTo).getTime()).toBeGreaterThan(Date.now());
    expect(info.selfSigned).toBe(true);
  });

  it('says when nothing listens', async () => {
    const port = await closedPort();
    const err = await fetchFingerprint('127.0.0.1', port, { timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).errno).toBe('ECONNREFUSED');
    expect((err as Error).message).toContain(`127.0.0.1:${port}`);
  });
});

describe('fingerprint pinning', () => {
  it('accepts the pinned certificate in any case, with or without colons', async () => {
    const bare = pve().fingerprint.replaceAll(':', '').toLowerCase();
    const client = track(tokenClient(pve(), { fingerprint: bare }));
    expect(await client.get<{ version: string }>('/version')).toHaveProperty('version');
  });

  it('the look-alike pattern (rejectUnauthorized:false + checkServerIdentity) accepts a wrong certificate; ours does not', async () => {
    const ep = pve();
    const expected = wrongFingerprint(ep.fingerprint);
    let identityChecks = 0;
    const lookAlike = new Agent({
      connect: {
        rejectUnauthorized: false,
        checkServerIdentity: () => {
          identityChecks++;
          return new Error(`fingerprint is not ${expected}`);
        },
      },
    });
    try {
      const res = await request(`https://${ep.host}:${ep.port}/api2/json/version`, { dispatcher: lookAlike });
      await res.body.text();
      // The server answered (401, no credentials): the connection to an unverified certificate went through.
      expect(res.statusCode).toBe(401);
      expect(identityChecks).toBe(0);
    } finally {
      await lookAlike.close();
    }

    sim.resetCounts();
    const client = track(tokenClient(ep, { fingerprint: expected }));
    const err = (await client.get('/version').catch((e: unknown) => e)) as TlsPinMismatchError;
    expect(err).toBeInstanceOf(TlsPinMismatchError);
    expect(err.code).toBe('TLS_PIN_MISMATCH');
    expect(err.expected).toBe(expected);
    expect(err.actual).toBe(ep.fingerprint);
    expect(err.message).toContain('has changed');
    expect(err.message).toContain(expected);
    expect(err.message).toContain(ep.fingerprint);
    expect(err.message).toContain(`${ep.host}:${ep.port}`);
    // Nothing was sent over the refused connection, and a pin mismatch is never retried.
    expect(Object.values(sim.counts(ep.name)).reduce((a, b) => a + b, 0)).toBe(0);
    expect(client.stats().retries).toBe(0);
  });

  it('refuses a client without any pin', () => {
    expect(
      () =>
        new ProxmoxClient({
          kind: 'pve',
          host: '127.0.0.1',
          auth: { type: 'token', tokenId: 'root@pam!x', secret: 'y' },
        }),
    ).toThrowError(ClientConfigError);
  });
});

describe('CA pinning', () => {
  it('accepts a server whose certificate the pinned CA signed', async () => {
    const client = track(tokenClient(pbs(), { fingerprint: undefined, caPem: pbs().certPem }));
    expect(await client.get('/version')).toBeTruthy();
  });

  it('rejects a server whose certificate another CA signed', async () => {
    const other = await generate([{ name: 'commonName', value: 'Another CA' }], {
      algorithm: 'sha256',
      keyType: 'ec',
      extensions: [{ name: 'basicConstraints', cA: true }],
    });
    const client = track(tokenClient(pve(), { fingerprint: undefined, caPem: other.cert }));
    const err = (await client.get('/version').catch((e: unknown) => e)) as TlsPinMismatchError;
    expect(err).toBeInstanceOf(TlsPinMismatchError);
    expect(err.actual).toBe(pve().fingerprint);
    expect(err.message).toContain('pinned CA');
    expect(err.message).toContain(pve().fingerprint);
  });
});

describe('a changed certificate', () => {
  it('fails the pinned client with both fingerprints; the confirmed new pin works', async () => {
    const ep = sim.clusters[sim.clusters.length - 1]!;
    const before = ep.fingerprint;
    const client = track(tokenClient(ep));
    await client.get('/version');
    const after = await sim.rotateCertificate(ep.name);
    expect(after).not.toBe(before);
    const err = (await client.get('/version').catch((e: unknown) => e)) as TlsPinMismatchError;
    expect(err).toBeInstanceOf(TlsPinMismatchError);
    expect(err.expected).toBe(before);
    expect(err.actual).toBe(after);
    expect(err.message).toMatch(
      new RegExp(`has changed: expected fingerprint ${before} but the server presented ${after}`),
    );
    expect((await fetchFingerprint(ep.host, ep.port)).fingerprint).toBe(after);
    const repinned = track(tokenClient(ep, { fingerprint: after }));
    expect(await repinned.get('/version')).toBeTruthy();
  });
});
