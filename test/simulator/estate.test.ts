import { describe, expect, it } from 'vitest';
import { agentEnabled, guestTemplate } from './estate.ts';
import { generateEstate } from './generate.ts';
import { startSimulator } from './index.ts';
import { call, data } from './test-client.ts';
import { parsePbsUpid, parsePveUpid, pveUpid } from './upid.ts';

describe('simulator estate', () => {
  it('is the same for the same seed and preset, different for another seed', () => {
    expect(JSON.stringify(generateEstate('small', 4))).toBe(JSON.stringify(generateEstate('small', 4)));
    expect(JSON.stringify(generateEstate('small', 4))).not.toBe(JSON.stringify(generateEstate('small', 5)));
  });

  it('has the preset sizes and the variety the crawler must handle', () => {
    const e = generateEstate('medium', 1);
    expect(e.clusters).toHaveLength(4);
    expect(e.clusters.every((c) => c.nodes.length === 4 && c.guests.length === 120)).toBe(true);
    const guests = e.clusters.flatMap((c) => c.guests);
    const share = (f: (g: (typeof guests)[number]) => boolean) => guests.filter(f).length / guests.length;
    expect(share((g) => g.type === 'lxc')).toBeGreaterThan(0.25);
    expect(share((g) => agentEnabled(g))).toBeGreaterThan(0.08);
    expect(share((g) => agentEnabled(g))).toBeLessThan(0.22);
    expect(guests.some((g) => guestTemplate(g))).toBe(true);
    expect(guests.some((g) => g.clonedFrom !== undefined)).toBe(true);
    const keys = new Set(guests.flatMap((g) => Object.keys(g.config)));
    for (const k of [
      'efidisk0',
      'tpmstate0',
      'unused0',
      'ide2',
      'sata0',
      'scsi0',
      'virtio0',
      'rootfs',
      'mp0',
      'meta',
      'lock',
      'tags',
      'description',
    ]) {
      expect(keys.has(k), k).toBe(true);
    }
    expect(guests.some((g) => /tag=\d+/.test(String(g.config.net0)))).toBe(true);
    expect(guests.some((g) => String(g.config.description).includes('<script>'))).toBe(true);
    const snaps = e.pbs.flatMap((p) => p.datastores.flatMap((d) => d.snapshots));
    expect(new Set(snaps.map((s) => s.ns)).size).toBeGreaterThan(3);
    const vmids = new Set(guests.map((g) => Number(g.vmid)));
    expect(snaps.some((s) => s.backupType !== 'host' && !vmids.has(Number(s.backupId)))).toBe(true);
    const clone = guests.find((g) => g.clonedFrom !== undefined)!;
    const source = e.clusters
      .flatMap((c) => c.guests)
      .find((g) => g.vmid === clone.clonedFrom && g.config.name === clone.config.name);
    expect(source).toBeDefined();
  });

  it('UPIDs round-trip in both formats', () => {
    const upid = pveUpid({
      node: 'n1',
      pid: 0x61cb3,
      pstart: 0x10ba69c,
      starttime: 0x64efecb0,
      type: 'qmcreate',
      id: '101',
      user: 'root@pam',
    });
    expect(upid).toBe('UPID:n1:00061CB3:010BA69C:64EFECB0:qmcreate:101:root@pam:');
    expect(parsePveUpid(upid)).toMatchObject({ node: 'n1', type: 'qmcreate', id: '101', user: 'root@pam' });
    expect(
      parsePbsUpid('UPID:pbs:000004F2:0000091A:00000003:65F0A1B2:verify:backup\\x3avm-100:root@pam:'),
    ).toMatchObject({ taskId: 3, type: 'verify' });
  });

  it('advance() changes guests and backups deterministically, and the API follows', async () => {
    const a = await startSimulator({ preset: 'small', seed: 21, unauthorizedDelayMs: 10 });
    const b = await startSimulator({ preset: 'small', seed: 21, unauthorizedDelayMs: 10 });
    try {
      expect(JSON.stringify(a.truth())).toBe(JSON.stringify(b.truth()));
      const before = a.truth();
      a.advance(24);
      b.advance(24);
      const after = a.truth();
      expect(JSON.stringify(after)).toBe(JSON.stringify(b.truth()));
      expect(after.step).toBe(24);
      expect(after.time).toBe(before.time + 24 * 3600);
      const ids = (t: typeof before) =>
        t.clusters.flatMap((c) => c.guests.map((g) => `${c.name}/${g.vmid}/${g.node}/${g.ctime}`)).sort();
      expect(ids(after)).not.toEqual(ids(before));
      const backups = (t: typeof before) =>
        t.clusters.flatMap((c) => c.volumes.filter((v) => v.content === 'backup').map((v) => v.volid)).sort();
      expect(backups(after)).not.toEqual(backups(before));
      const snaps = (t: typeof before) =>
        t.pbs
          .flatMap((p) => p.datastores.flatMap((d) => d.snapshots.map((s) => `${s.ns}/${s.backupId}/${s.backupTime}`)))
          .sort();
      expect(snaps(after)).not.toEqual(snaps(before));
      const c = after.clusters[0]!;
      const rows = data<{ vmid?: number; node?: string; type: string }[]>(
        await call(a.clusters[0]!, 'GET', '/cluster/resources?type=vm'),
      );
      expect(rows.map((r) => `${r.vmid}@${r.node}`).sort()).toEqual(c.guests.map((g) => `${g.vmid}@${g.node}`).sort());
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('autoAdvance moves one step per GET /cluster/resources; counts() counts per endpoint template', async () => {
    const sim = await startSimulator({ preset: 'tiny', seed: 2, autoAdvance: true, unauthorizedDelayMs: 10 });
    try {
      const ep = sim.clusters[0]!;
      await call(ep, 'GET', '/cluster/resources');
      await call(ep, 'GET', '/cluster/resources?type=vm');
      expect(sim.truth().step).toBe(2);
      const g = sim.truth().clusters[0]!.guests[0]!;
      await call(ep, 'GET', `/nodes/${g.node}/${g.type}/${g.vmid}/config`);
      await call(ep, 'GET', `/nodes/${g.node}/${g.type}/${g.vmid}/config`);
      await call(ep, 'GET', '/version', { token: false });
      await call(sim.pbs[0]!, 'GET', '/admin/datastore');
      expect(sim.counts(ep.name)).toEqual({
        'GET /cluster/resources': 2,
        [`GET /nodes/{node}/${g.type}/{vmid}/config`]: 2,
        'GET /version': 1,
      });
      expect(sim.counts()['GET /admin/datastore']).toBe(1);
      sim.resetCounts();
      expect(sim.counts()).toEqual({});
    } finally {
      await sim.stop();
    }
  });

  it('refuses bad options with clear errors', async () => {
    await expect(startSimulator({ preset: 'huge' as never })).rejects.toThrow(/unknown simulator preset 'huge'/);
    await expect(startSimulator({ preset: 'tiny', nodeConcurrency: 0 })).rejects.toThrow(/nodeConcurrency/);
  });
});
