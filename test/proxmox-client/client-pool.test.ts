import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClientConfigError, type ProxmoxClient, ProxmoxError } from '../../shared/proxmox/index.ts';
import { type Simulator, startTinySimulator, tokenClient } from './sim-clients.ts';

// Latency makes the calls of a burst overlap, so the pool is asked for as many connections as it allows.
let sim: Simulator;
const clients: ProxmoxClient[] = [];

beforeAll(async () => {
  sim = await startTinySimulator({ latencyMs: 30 });
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

const burst = (client: ProxmoxClient, n: number) =>
  Promise.all(Array.from({ length: n }, () => client.get<{ version: string }>('/version')));

describe('connection pool', () => {
  it('opens no more connections than calls it allows in flight, and counts them', async () => {
    const client = tokenClient(sim.clusters[0]!, { maxConcurrentPerHost: 2 });
    clients.push(client);
    const answers = await burst(client, 12);
    expect(answers.every((a) => typeof a.version === 'string')).toBe(true);
    const stats = client.stats();
    expect(stats.requests).toBe(12);
    expect(stats.connections).toBeGreaterThanOrEqual(1);
    expect(stats.connections).toBeLessThanOrEqual(2);
  });

  it('grows to a new size: later calls run on a pool of that size, the old one is closed', async () => {
    const client = tokenClient(sim.clusters[0]!, { maxConcurrentPerHost: 2 });
    clients.push(client);
    await burst(client, 4);
    const before = client.stats().connections;
    client.setMaxConcurrentPerHost(6);
    const started = performance.now();
    await burst(client, 12);
    const ms = performance.now() - started;
    const opened = client.stats().connections - before;
    expect(opened).toBeGreaterThan(2);
    expect(opened).toBeLessThanOrEqual(6);
    // 12 calls of 30 ms, 6 at a time: two rounds, not the six that 2 at a time would take.
    expect(ms).toBeLessThan(6 * 30);
    expect(client.stats().requests).toBe(16);
  });

  it('shrinks too, and the same size changes nothing', async () => {
    const client = tokenClient(sim.clusters[0]!, { maxConcurrentPerHost: 4 });
    clients.push(client);
    client.setMaxConcurrentPerHost(4);
    await burst(client, 8);
    const before = client.stats().connections;
    expect(before).toBeLessThanOrEqual(4);
    client.setMaxConcurrentPerHost(1);
    await burst(client, 5);
    expect(client.stats().connections - before).toBe(1);
  });

  it('refuses a size that is not a whole number of 1 or more', () => {
    const client = tokenClient(sim.clusters[0]!);
    clients.push(client);
    for (const bad of [0, -1, 2.5, Number.NaN]) {
      expect(() => client.setMaxConcurrentPerHost(bad)).toThrow(ClientConfigError);
    }
    expect(() => client.setMaxConcurrentPerHost(0)).toThrow(/whole number of 1 or more/);
  });

  it('still cancels a call when the caller aborts, after a resize', async () => {
    const client = tokenClient(sim.clusters[0]!, { maxConcurrentPerHost: 1 });
    clients.push(client);
    client.setMaxConcurrentPerHost(3);
    const ac = new AbortController();
    const call = client.get('/version', undefined, { signal: ac.signal }).catch((e: unknown) => e);
    setTimeout(() => ac.abort(new Error('stop')), 5);
    const err = await call;
    expect(err).toBeInstanceOf(ProxmoxError);
    expect((err as ProxmoxError).code).toBe('ABORTED');
  });
});
