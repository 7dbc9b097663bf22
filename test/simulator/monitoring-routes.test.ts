import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateEstate } from './generate.ts';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { notBackedUp } from './pve/monitoring-routes.ts';
import { call, data } from './test-client.ts';

describe('simulator monitoring endpoints', () => {
  let sim: Simulator;
  let pve: SimEndpoint;

  beforeAll(async () => {
    sim = await startSimulator({ preset: 'tiny', seed: 2, unauthorizedDelayMs: 10 });
    pve = sim.clusters[0]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('answer subscription, replication, backup coverage and QDevice as an unsubscribed cluster without them', async () => {
    const node = pve.nodes[0]!;
    const sub = data<Record<string, unknown>>(await call(pve, 'GET', `/nodes/${node}/subscription`));
    expect(sub.status).toBe('notfound');
    expect(sub.serverid).toMatch(/^[0-9A-F]{32}$/);
    expect(data(await call(pve, 'GET', `/nodes/${node}/replication`))).toEqual([]);
    expect(data(await call(pve, 'GET', '/cluster/config/qdevice'))).toEqual({});
    // Every generated cluster has an all-guests job.
    expect(data(await call(pve, 'GET', '/cluster/backup-info/not-backed-up'))).toEqual([]);
  });

  it('count a guest as backed up when any job (enabled or not) names it, its pool or all guests on its node', () => {
    const cluster = generateEstate('tiny', 2).clusters[0]!;
    const [a, b, c] = cluster.guests as [
      (typeof cluster.guests)[0],
      (typeof cluster.guests)[0],
      (typeof cluster.guests)[0],
    ];
    const base = cluster.backupJobs[0]!;
    cluster.guests.forEach((g) => {
      g.pool = undefined;
    });
    b.pool = 'p1';
    cluster.backupJobs = [
      { ...base, all: false, vmid: `${a.vmid},999999`, enabled: false },
      { ...base, all: false, pool: 'p1' },
      { ...base, all: true, node: 'no-such-node' },
    ];
    const left = notBackedUp(cluster).map((g) => g.vmid);
    expect(left).not.toContain(a.vmid);
    expect(left).not.toContain(b.vmid);
    expect(left).toContain(c.vmid);
    expect(left).toHaveLength(cluster.guests.length - 2);
    const row = notBackedUp(cluster).find((g) => g.vmid === c.vmid)!;
    expect(row.type).toBe(c.type);
  });
});
