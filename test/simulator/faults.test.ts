import { X509Certificate } from 'node:crypto';
import { connect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { call, data } from './test-client.ts';

/** The certificate a listener presents right now. */
function peerFingerprint(ep: SimEndpoint): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: ep.host, port: ep.port, rejectUnauthorized: false }, () => {
      const fp = socket.getPeerCertificate().fingerprint256;
      socket.destroy();
      resolve(fp);
    });
    socket.on('error', reject);
  });
}

describe('simulator faults', () => {
  let sim: Simulator;
  let pve: SimEndpoint;
  let pbs: SimEndpoint;

  beforeAll(async () => {
    sim = await startSimulator({
      preset: 'small',
      seed: 9,
      unauthorizedDelayMs: 10,
      taskDurationMs: 20,
      nodeConcurrency: 2,
    });
    pve = sim.clusters[0]!;
    pbs = sim.pbs[0]!;
  });
  afterEach(() => sim.faults.clear());
  afterAll(async () => {
    await sim?.stop();
  });

  it('adds latency to matching endpoints only, and undo removes it', async () => {
    const undo = sim.faults.set({ cluster: pve.name, endpoint: 'GET /cluster/status' }, { latencyMs: 200 });
    const slow = await call(pve, 'GET', '/cluster/status');
    const fast = await call(pve, 'GET', '/version');
    expect(slow.ms).toBeGreaterThanOrEqual(195);
    expect(fast.ms).toBeLessThan(150);
    undo();
    expect((await call(pve, 'GET', '/cluster/status')).ms).toBeLessThan(150);
  });

  it('matches endpoints by RegExp, by concrete path and by node', async () => {
    const node = pve.nodes[1]!;
    sim.faults.set({ cluster: pve.name, endpoint: /qemu$/ }, { errorRate: 1 });
    sim.faults.set({ cluster: pve.name, node }, { latencyMs: 150 });
    expect((await call(pve, 'GET', `/nodes/${pve.nodes[0]}/qemu`)).status).toBe(500);
    expect((await call(pve, 'GET', `/nodes/${pve.nodes[0]}/lxc`)).status).toBe(200);
    expect((await call(pve, 'GET', `/nodes/${node}/lxc`)).ms).toBeGreaterThanOrEqual(145);
    sim.faults.clear();
    sim.faults.set({ cluster: pve.name, endpoint: `/nodes/${node}/lxc` }, { errorRate: 1 });
    expect((await call(pve, 'GET', `/nodes/${node}/lxc`)).status).toBe(500);
    expect((await call(pve, 'GET', `/nodes/${pve.nodes[0]}/lxc`)).status).toBe(200);
  });

  it('errorRate answers 500 in PVE shape, and plain text on PBS', async () => {
    sim.faults.set({ cluster: pve.name, endpoint: 'GET /nodes' }, { errorRate: 1 });
    const r = await call(pve, 'GET', '/nodes');
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ data: null });
    expect(r.reason).toBe('simulated failure: got timeout');
    sim.faults.set({ cluster: pbs.name, endpoint: 'GET /admin/datastore' }, { errorRate: 1 });
    const p = await call(pbs, 'GET', '/admin/datastore');
    expect(p.status).toBe(500);
    expect(p.json).toBeUndefined();
    expect(p.text).toBe('simulated failure: got timeout');
    sim.faults.clear();
    sim.faults.set({ cluster: pve.name, endpoint: 'GET /version' }, { errorRate: 0.5 });
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () => call(pve, 'GET', '/version').then((x) => x.status)),
    );
    expect(statuses.filter((s) => s === 500).length).toBeGreaterThan(4);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(4);
  });

  it('hang never answers the matching endpoint but leaves others alone', async () => {
    sim.faults.set({ cluster: pve.name, endpoint: 'GET /cluster/resources' }, { hang: true });
    const hung = await Promise.race([
      call(pve, 'GET', '/cluster/resources').then(
        () => 'answered',
        () => 'closed',
      ),
      new Promise((r) => setTimeout(() => r('hung'), 300)),
    ]);
    expect(hung).toBe('hung');
    const others = await Promise.all(Array.from({ length: 5 }, () => call(pve, 'GET', '/cluster/status')));
    expect(others.every((o) => o.status === 200)).toBe(true);
  });

  it('an offline node answers 595 and shows offline in cluster views', async () => {
    const node = pve.nodes[1]!;
    const undo = sim.faults.set({ cluster: pve.name, node }, { offline: true });
    const r = await call(pve, 'GET', `/nodes/${node}/qemu`);
    expect([r.status, r.reason, r.text]).toEqual([595, 'No route to host', '']);
    const nodes = data<{ node: string; status: string }[]>(await call(pve, 'GET', '/nodes'));
    expect(nodes.find((n) => n.node === node)?.status).toBe('offline');
    const status = data<{ name: string; online?: number }[]>(await call(pve, 'GET', '/cluster/status'));
    expect(status.find((s) => s.name === node)?.online).toBe(0);
    const res = data<{ node?: string; type: string; status?: string }[]>(await call(pve, 'GET', '/cluster/resources'));
    const guestsThere = res.filter((x) => (x.type === 'qemu' || x.type === 'lxc') && x.node === node);
    expect(guestsThere.length).toBeGreaterThan(0);
    expect(guestsThere.every((x) => x.status === 'unknown')).toBe(true);
    undo();
    expect((await call(pve, 'GET', `/nodes/${node}/qemu`)).status).toBe(200);
  });

  it('an unreachable cluster closes connections; undo restores it', async () => {
    const undo = sim.faults.set({ cluster: pve.name }, { unreachable: true });
    await expect(call(pve, 'GET', '/version')).rejects.toThrow();
    expect((await call(sim.clusters[1]!, 'GET', '/version')).status).toBe(200);
    undo();
    expect((await call(pve, 'GET', '/version')).status).toBe(200);
  });

  it('an unreachable PBS makes the PVE pbs storage inactive and its content fail', async () => {
    sim.faults.set({ cluster: pbs.name }, { unreachable: true });
    const node = pve.nodes[0]!;
    const st = data<{ storage: string; active: number }[]>(await call(pve, 'GET', `/nodes/${node}/storage`));
    expect(st.find((s) => s.storage === 'pbs')?.active).toBe(0);
    expect((await call(pve, 'GET', `/nodes/${node}/storage/pbs/content`)).status).toBe(500);
  });

  it('rotateCertificate serves a new certificate with a new fingerprint', async () => {
    const before = await peerFingerprint(pve);
    expect(before).toBe(pve.fingerprint);
    const fp = await sim.rotateCertificate(pve.name);
    expect(fp).not.toBe(before);
    expect(pve.fingerprint).toBe(fp);
    expect(new X509Certificate(pve.certPem).fingerprint256).toBe(fp);
    expect(await peerFingerprint(pve)).toBe(fp);
    const nodes = data<{ node: string; ssl_fingerprint: string }[]>(await call(pve, 'GET', '/nodes'));
    expect(nodes.find((n) => n.node === pve.nodes[0])?.ssl_fingerprint).toBe(fp);
  });

  it('bounds concurrent requests per node; excess requests queue', async () => {
    sim.faults.set({ cluster: pve.name }, { latencyMs: 300 });
    const node = pve.nodes[0]!;
    const t0 = performance.now();
    const pending = Array.from({ length: 6 }, () => call(pve, 'GET', `/nodes/${node}/status`));
    let load = { active: 0, queued: 0 };
    for (let i = 0; i < 50 && load.queued < 4; i++) {
      await new Promise((r) => setTimeout(r, 5));
      load = sim.load(pve.name)[node] ?? load;
    }
    expect(load).toEqual({ active: 2, queued: 4 });
    await Promise.all(pending);
    // 6 requests, 2 at a time, 300 ms each: at least 900 ms.
    expect(performance.now() - t0).toBeGreaterThanOrEqual(890);
  });
});
