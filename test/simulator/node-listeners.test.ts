import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { call, data, ticketHeaders } from './test-client.ts';

const LATENCY = 80;

describe('simulator node listeners', () => {
  let sim: Simulator;
  let pve: SimEndpoint;
  const at = (node: string): SimEndpoint => ({ ...pve, port: pve.nodePorts?.[node] ?? 0 });

  beforeAll(async () => {
    sim = await startSimulator({
      preset: 'tiny',
      seed: 5,
      unauthorizedDelayMs: 10,
      taskDurationMs: 20,
      nodeConcurrency: 1,
      nodeListeners: true,
    });
    pve = sim.clusters[0]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('are off by default', async () => {
    const plain = await startSimulator({ preset: 'tiny', seed: 5 });
    try {
      expect(plain.clusters[0]!.nodePorts).toBeUndefined();
    } finally {
      await plain.stop();
    }
  });

  it('give every node its own port, where that node is the local one', async () => {
    expect(Object.keys(pve.nodePorts ?? {})).toEqual(pve.nodes);
    expect(new Set([pve.port, ...Object.values(pve.nodePorts!)]).size).toBe(pve.nodes.length + 1);
    for (const node of pve.nodes) {
      const status = data<{ type: string; name: string; local?: number }[]>(
        await call(at(node), 'GET', '/cluster/status'),
      );
      expect(status.filter((e) => e.type === 'node' && e.local === 1).map((e) => e.name)).toEqual([node]);
    }
    // The cluster listener keeps answering as the first node.
    const status = data<{ type: string; name: string; local?: number }[]>(await call(pve, 'GET', '/cluster/status'));
    expect(status.find((e) => e.local === 1)?.name).toBe(pve.nodes[0]);
  });

  it('read localhost as their own node', async () => {
    const truth = sim.truth().clusters[0]!;
    for (const node of pve.nodes) {
      const rows = data<{ vmid: number }[]>(await call(at(node), 'GET', '/nodes/localhost/qemu'));
      const expected = truth.guests.filter((g) => g.node === node && g.type === 'qemu').map((g) => g.vmid);
      expect(rows.map((r) => r.vmid).sort((a, b) => a - b)).toEqual(expected.sort((a, b) => a - b));
    }
  });

  it('share tickets, state and request counts with the cluster listener', async () => {
    const [first, second] = pve.nodes as [string, string];
    const t = await ticketHeaders(at(first));
    const headers = { cookie: t.cookie, csrfpreventiontoken: t.csrf };
    expect((await call(pve, 'GET', '/nodes', { headers })).status).toBe(200);
    expect((await call(at(second), 'GET', '/nodes', { headers })).status).toBe(200);

    const g = sim.truth().clusters[0]!.guests.find((x) => x.type === 'qemu' && !x.config.lock)!;
    const path = `/nodes/${g.node}/qemu/${g.vmid}/config`;
    const put = await call(at(second), 'PUT', path, { headers, body: { description: 'set via a node listener' } });
    expect(put.status).toBe(200);
    expect(data<{ description: string }>(await call(pve, 'GET', path)).description).toBe('set via a node listener');
    expect(sim.truth().clusters[0]!.guests.find((x) => x.vmid === g.vmid)!.config.description).toBe(
      'set via a node listener',
    );

    sim.resetCounts();
    await call(at(first), 'GET', '/version');
    await call(at(second), 'GET', '/version');
    await call(pve, 'GET', '/version');
    expect(sim.counts(pve.name)['GET /version']).toBe(3);
  });

  it('share the per-node slots: a node listener takes its own node slot for cluster-wide calls', async () => {
    const second = pve.nodes[1]!;
    const undo = sim.faults.set({ cluster: pve.name }, { latencyMs: LATENCY });
    try {
      const t0 = performance.now();
      await Promise.all([call(pve, 'GET', `/nodes/${second}/status`), call(at(second), 'GET', '/cluster/status')]);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(2 * LATENCY - 5);
      expect(Object.keys(sim.load(pve.name)).sort()).toEqual([...pve.nodes].sort());
    } finally {
      undo();
    }
  });

  it('refuse connections when their node is offline or the cluster unreachable', async () => {
    const second = pve.nodes[1]!;
    const undo = sim.faults.set({ cluster: pve.name, node: second }, { offline: true });
    try {
      await expect(call(at(second), 'GET', '/version')).rejects.toThrow();
      expect((await call(at(pve.nodes[0]!), 'GET', '/version')).status).toBe(200);
    } finally {
      undo();
    }
    expect((await call(at(second), 'GET', '/version')).status).toBe(200);
    const cut = sim.faults.set({ cluster: pve.name }, { unreachable: true });
    try {
      await expect(call(at(pve.nodes[0]!), 'GET', '/version')).rejects.toThrow();
    } finally {
      cut();
    }
  });
});
