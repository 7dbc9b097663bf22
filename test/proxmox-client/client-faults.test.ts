import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  NodeUnreachableError,
  type ProxmoxClient,
  ProxmoxError,
  ServerError,
  TimeoutError,
} from '../../shared/proxmox/index.ts';
import { closedPort, listGuests, type Simulator, startTinySimulator, tokenClient } from './sim-clients.ts';

let sim: Simulator;
const clients: ProxmoxClient[] = [];
const track = <T extends ProxmoxClient>(c: T): T => {
  clients.push(c);
  return c;
};
const fast = { baseDelayMs: 10, maxDelayMs: 40 };

beforeAll(async () => {
  sim = await startTinySimulator({ nodeConcurrency: 32 });
});

afterEach(() => {
  sim.faults.clear();
  sim.resetCounts();
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sim?.stop();
});

const pve = () => sim.clusters[0]!;
const pbs = () => sim.pbs[0]!;
const serverCount = (cluster: string, key: string) => sim.counts(cluster)[key] ?? 0;

describe('timeouts', () => {
  it('latency beyond the headers timeout is a TimeoutError, not retried', async () => {
    const client = track(tokenClient(pve(), { timeouts: { headersMs: 150 }, retries: { retries: 2, ...fast } }));
    sim.faults.set({ cluster: pve().name, endpoint: 'GET /cluster/status' }, { latencyMs: 600 });
    const started = performance.now();
    const err = (await client.get('/cluster/status').catch((e: unknown) => e)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('headers');
    expect(err.timeoutMs).toBe(150);
    expect(err.message).toContain(`${pve().host}:${pve().port}`);
    expect(performance.now() - started).toBeLessThan(550);
    expect(client.stats().retries).toBe(0);
    // Other endpoints are unaffected.
    expect(await client.get('/version')).toBeTruthy();
  });

  it('a hung server is a TimeoutError after the headers timeout', async () => {
    const client = track(tokenClient(pbs(), { timeouts: { headersMs: 200 } }));
    sim.faults.set({ cluster: pbs().name, endpoint: '/admin/datastore' }, { hang: true });
    const err = (await client.get('/admin/datastore').catch((e: unknown) => e)) as TimeoutError;
    expect(err).toBeInstanceOf(TimeoutError);
    expect(err.phase).toBe('headers');
    expect(serverCount(pbs().name, 'GET /admin/datastore')).toBe(1);
  });

  it('a caller can cancel a hung call with an AbortSignal', async () => {
    const client = track(tokenClient(pve(), { timeouts: { headersMs: 5000 } }));
    sim.faults.set({ cluster: pve().name, endpoint: 'GET /cluster/status' }, { hang: true });
    const started = performance.now();
    const err = (await client
      .get('/cluster/status', undefined, { signal: AbortSignal.timeout(100) })
      .catch((e: unknown) => e)) as ProxmoxError;
    expect(err).toBeInstanceOf(ProxmoxError);
    expect(err.code).toBe('ABORTED');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('latency within the timeouts is just slower', async () => {
    const client = track(tokenClient(pve(), { timeouts: { headersMs: 2000 } }));
    sim.faults.set({ cluster: pve().name }, { latencyMs: 100, jitterMs: 50 });
    const started = performance.now();
    await client.get('/nodes');
    expect(performance.now() - started).toBeGreaterThanOrEqual(95);
  });
});

describe('retries', () => {
  it('retries a failing GET with backoff, a bounded number of times', async () => {
    const client = track(tokenClient(pve(), { retries: { retries: 2, ...fast } }));
    sim.faults.set({ cluster: pve().name, endpoint: 'GET /cluster/resources' }, { errorRate: 1 });
    const err = (await client.get('/cluster/resources').catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.status).toBe(500);
    expect(err.reason).toBe('simulated failure: got timeout');
    expect(serverCount(pve().name, 'GET /cluster/resources')).toBe(3);
    expect(client.stats()).toMatchObject({ requests: 3, retries: 2, failures: 3 });
  });

  it('gets through an intermittent error rate', async () => {
    const client = track(tokenClient(pve(), { retries: { retries: 12, ...fast } }));
    sim.faults.set({ cluster: pve().name, endpoint: 'GET /nodes' }, { errorRate: 0.3 });
    for (let i = 0; i < 10; i++) expect((await client.get<unknown[]>('/nodes')).length).toBe(pve().nodes.length);
    expect(client.stats().requests).toBe(10 + client.stats().retries);
  });

  it('never retries a write', async () => {
    const client = track(tokenClient(pve(), { retries: { retries: 3, ...fast } }));
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu')!;
    sim.faults.set({ cluster: pve().name, endpoint: 'PUT /nodes/{node}/qemu/{vmid}/config' }, { errorRate: 1 });
    const err = await client
      .put(['nodes', guest.node, 'qemu', guest.vmid, 'config'], { description: 'x' })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(serverCount(pve().name, 'PUT /nodes/{node}/qemu/{vmid}/config')).toBe(1);
    expect(client.stats().retries).toBe(0);
  });

  it('reads PBS plain-text error bodies', async () => {
    const client = track(tokenClient(pbs(), { retries: 0 }));
    sim.faults.set({ cluster: pbs().name, endpoint: 'GET /admin/datastore' }, { errorRate: 1 });
    const err = (await client.get('/admin/datastore').catch((e: unknown) => e)) as ServerError;
    expect(err).toBeInstanceOf(ServerError);
    expect(err.message).toContain('simulated failure: got timeout');
    expect(err.message).toContain('Proxmox Backup Server');
  });
});

describe('unreachable nodes and hosts', () => {
  it('an offline node answers 595: NodeUnreachableError, retried for GETs', async () => {
    const node = pve().nodes[1] ?? pve().nodes[0]!;
    const client = track(tokenClient(pve(), { retries: { retries: 1, ...fast } }));
    sim.faults.set({ cluster: pve().name, node }, { offline: true });
    const err = (await client.get(['nodes', node, 'status']).catch((e: unknown) => e)) as NodeUnreachableError;
    expect(err).toBeInstanceOf(NodeUnreachableError);
    expect(err.status).toBe(595);
    expect(err.reason).toBe('No route to host');
    expect(serverCount(pve().name, 'GET /nodes/{node}/status')).toBe(2);
    // Cluster-wide calls still work and show the node offline.
    const nodes = await client.get<Array<{ node: string; status: string }>>('/nodes');
    expect(nodes.find((n) => n.node === node)?.status).toBe('offline');
  });

  it('an unreachable cluster is a ConnectionError raised while connecting, retried for GETs', async () => {
    const client = track(tokenClient(pve(), { retries: { retries: 2, ...fast } }));
    await client.get('/version');
    const undo = sim.faults.set({ cluster: pve().name }, { unreachable: true });
    const err = (await client.get('/version').catch((e: unknown) => e)) as ConnectionError;
    expect(err).toBeInstanceOf(ConnectionError);
    expect(err.whileConnecting).toBe(true);
    expect(err.message).toContain(`${pve().host}:${pve().port}`);
    expect(client.stats().retries).toBe(2);
    undo();
    expect(await client.get('/version')).toBeTruthy();
  });

  it('a refused connection moves calls to the next fallback host, and they stay there', async () => {
    const dead = await closedPort();
    const client = track(
      tokenClient(pve(), { host: '127.0.0.1', port: dead, fallbackHosts: [{ host: pve().host, port: pve().port }] }),
    );
    expect(await client.get('/version')).toBeTruthy();
    expect(client.currentHost).toBe(`${pve().host}:${pve().port}`);
    const guest = (await listGuests(client)).find((g) => g.type === 'qemu' && !g.lock)!;
    await client.put(['nodes', guest.node, 'qemu', guest.vmid, 'config'], { description: 'via fallback' });
    expect(client.stats().hostSwitches).toBe(1);
  });

  it('an unreachable host moves calls to the next one, pinned by that host’s own fingerprint', async () => {
    const [a, b] = [sim.clusters[0]!, sim.clusters[1] ?? sim.pbs[0]!];
    sim.faults.set({ cluster: a.name }, { unreachable: true });
    const client = track(
      tokenClient(a, {
        kind: b.kind,
        retries: 0,
        fallbackHosts: [{ host: b.host, port: b.port, fingerprint: b.fingerprint }],
        auth: { type: 'token', tokenId: b.tokenId, secret: b.tokenSecret },
      }),
    );
    await client.get('/version').catch((e: unknown) => {
      // Only the other endpoint's own answer is acceptable here, never a connection or TLS failure.
      expect(e).toBeInstanceOf(AuthenticationError);
    });
    expect(client.currentHost).toBe(`${b.host}:${b.port}`);
    expect(client.stats().hostSwitches).toBe(1);
  });
});

describe('concurrency bound per host', () => {
  it('keeps at most maxConcurrentPerHost requests in flight', async () => {
    sim.faults.set({ cluster: pve().name, endpoint: 'GET /version' }, { latencyMs: 150 });
    const narrow = track(tokenClient(pve(), { maxConcurrentPerHost: 2 }));
    const wide = track(tokenClient(pve(), { maxConcurrentPerHost: 8 }));
    await Promise.all([narrow.get('/nodes'), wide.get('/nodes')]);
    const time = async (client: ProxmoxClient) => {
      const started = performance.now();
      await Promise.all(Array.from({ length: 8 }, () => client.get('/version')));
      return performance.now() - started;
    };
    const narrowMs = await time(narrow);
    const wideMs = await time(wide);
    // 8 calls of 150 ms, 2 at a time: at least 4 rounds.
    expect(narrowMs).toBeGreaterThanOrEqual(590);
    expect(wideMs).toBeLessThan(narrowMs - 200);
  });
});
