import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunSettings, runCrawl } from '../../crawler/crawl-run.ts';
import {
  type BackupDoc,
  backupDoc,
  type DiskDoc,
  diskDoc,
  type InstanceDoc,
  instanceDoc,
  inventory,
  nodeDoc,
  resolveDate,
  type StorageDoc,
  snapshotDoc,
  storageDoc,
} from '../../shared/store/index.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { expectedCluster, expectedPbs } from './expected.ts';
import { register, type TestCrawler, testCrawler } from './support.ts';

/**
 * A full crawl of the simulated small and medium estates over HTTPS into the real database, compared with
 * the simulator's own truth count for count and field by field.
 */

let date = 1_800_000_000;

async function crawlAndCompare(preset: 'small' | 'medium', seed: number, settings: Partial<RunSettings> = {}) {
  const sim = await startSimulator({ preset, seed });
  const c = await testCrawler(settings);
  try {
    await register(c.db, c.vault, [...sim.clusters, ...sim.pbs]);
    const d = date++;
    const snap = await runCrawl(c, { date: d, trigger: 'once' });
    expect(snap?.status).toBe('complete');
    snapshotDoc.parse(snap);
    expect(await resolveDate(c.db, 'last')).toBe(d);
    const truth = sim.truth();
    for (const ct of truth.clusters) await compareCluster(c, d, expectedCluster(truth, ct));
    for (const p of truth.pbs) await comparePbs(c, d, p);

    // Calls: exactly what the data needs (the large preset's calls per guest are in the benchmark).
    for (const ct of truth.clusters) {
      const o = snap!.clusters.find((x) => x.name === ct.name)!;
      const localListings = ct.storages
        .filter((s) => !s.shared && s.content.some((x) => ['images', 'rootdir', 'backup'].includes(x)))
        .reduce((n, s) => n + ct.nodes.filter((node) => !s.nodes || s.nodes.includes(node.name)).length, 0);
      const sharedListings = ct.storages.filter(
        (s) => s.shared && s.content.some((x) => ['images', 'rootdir', 'backup'].includes(x)),
      ).length;
      const agents = ct.guests.filter(
        (g) =>
          g.type === 'qemu' &&
          g.status === 'running' &&
          /(^|,)(enabled=)?1(,|$)/.test(String(g.config.agent ?? '')) &&
          g.config.template !== 1,
      ).length;
      expect(o.callsByEndpoint).toEqual({
        'GET /version': 1,
        'GET /cluster/status': 1,
        'GET /cluster/ha/status/current': 1,
        'GET /cluster/resources': 1,
        'GET /nodes/{node}/status': ct.nodes.length,
        'GET /nodes/{node}/storage/{storage}/content': localListings + sharedListings,
        ...(ct.guests.some((g) => g.type === 'qemu')
          ? { 'GET /nodes/{node}/qemu/{vmid}/config': ct.guests.filter((g) => g.type === 'qemu').length }
          : {}),
        ...(ct.guests.some((g) => g.type === 'lxc')
          ? { 'GET /nodes/{node}/lxc/{vmid}/config': ct.guests.filter((g) => g.type === 'lxc').length }
          : {}),
        ...(agents ? { 'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces': agents } : {}),
      });
    }
    // The counts stored with the snapshot are the documents' counts.
    expect(snap!.totals!.instances).toBe(await inventory(c.db, 'instances').countDocuments({ date: d }));
    expect(snap!.totals!.disks).toBe(await inventory(c.db, 'disks').countDocuments({ date: d }));
    expect(snap!.totals!.backups).toBe(await inventory(c.db, 'backups').countDocuments({ date: d }));
    return { sim, c, snap: snap! };
  } catch (e) {
    await sim.stop();
    throw e;
  }
}

async function compareCluster(c: TestCrawler, d: number, e: ReturnType<typeof expectedCluster>) {
  const q = { date: d, cluster: e.name };
  const nodes = await inventory(c.db, 'nodes').find(q).toArray();
  expect(nodes.map((n) => n.node).sort()).toEqual(e.nodes);
  for (const n of nodes) nodeDoc.parse(n);
  expect(
    nodes
      .map((n) => ({
        node: n.node,
        cpus: n.cpus,
        memTotalBytes: n.memTotalBytes,
        pveVersion: n.pveVersion,
        cpuModel: n.cpuModel,
      }))
      .sort((a, b) => a.node.localeCompare(b.node)),
  ).toEqual(e.nodeFacts);

  const instances = (await inventory(c.db, 'instances').find(q).toArray()).sort((a, b) => a.vmid - b.vmid);
  expect(instances.map((i) => i.vmid)).toEqual(e.guests.map((g) => g.vmid));
  const byVmid = new Map<number, InstanceDoc>(instances.map((i) => [i.vmid, i]));
  for (const g of e.guests) {
    const doc = byVmid.get(g.vmid)!;
    instanceDoc.parse(doc);
    expect({
      vmid: doc.vmid,
      status: doc.status,
      ha: doc.ha?.state,
      ips: doc.ips,
      type: doc.type,
      node: doc.node,
      name: doc.name,
      template: doc.template,
      pool: doc.pool,
      tags: doc.tags,
      onboot: doc.onboot,
      vcpus: doc.vcpus,
      memoryBytes: doc.memoryBytes,
      ctime: doc.ctime,
      notes: doc.notes,
      macs: doc.nics.map((n) => n.mac ?? ''),
      bridges: doc.nics.map((n) => n.bridge ?? ''),
      vlans: doc.nics.map((n) => n.vlan),
    }).toEqual({
      vmid: g.vmid,
      status: g.status,
      ha: g.ha,
      ips: g.ips,
      type: g.type,
      node: g.node,
      name: g.name,
      template: g.template,
      pool: g.pool,
      tags: g.tags,
      onboot: g.onboot,
      vcpus: g.vcpus,
      memoryBytes: g.memoryBytes,
      ctime: g.ctime,
      notes: g.notes,
      macs: g.macs,
      bridges: g.bridges,
      vlans: g.vlans,
    });
    expect(doc.uid).toMatch(/^[0-9a-f]{20}$/);
  }
  expect(new Set(instances.map((i) => i.uid)).size).toBe(instances.length);

  const disks = await inventory(c.db, 'disks').find(q).toArray();
  for (const d of disks) diskDoc.parse(d);
  const guestDisks = disks.filter((d) => d.key !== undefined);
  const want = e.guests.flatMap((g) => g.disks.map((k) => ({ vmid: g.vmid, ...k })));
  const got = (list: DiskDoc[]) =>
    list
      .map((d) => ({
        vmid: d.vmid,
        key: d.key,
        volid: d.volid,
        sizeBytes: d.sizeBytes,
        unused: d.unused,
        bus: d.bus,
        storage: d.storage,
      }))
      .sort((a, b) => a.vmid! - b.vmid! || a.key!.localeCompare(b.key!));
  expect(got(guestDisks)).toEqual(want.sort((a, b) => a.vmid - b.vmid || a.key.localeCompare(b.key)));
  const unattached = disks
    .filter((d) => !d.attached && !d.unused)
    .map((d) => ({ volid: d.volid, sizeBytes: d.sizeBytes }))
    .sort((a, b) => a.volid.localeCompare(b.volid));
  expect(unattached).toEqual(e.unattached);

  const storages = (await inventory(c.db, 'storages').find(q).toArray()) as StorageDoc[];
  for (const s of storages) storageDoc.parse(s);
  expect(
    storages
      .map((s) => ({
        storage: s.storage,
        ...(s.node ? { node: s.node } : {}),
        shared: s.shared,
        type: s.type,
        totalBytes: s.totalBytes,
      }))
      .sort((a, b) => a.storage.localeCompare(b.storage) || (a.node ?? '').localeCompare(b.node ?? '')),
  ).toEqual(e.storages);

  const backups = (await inventory(c.db, 'backups').find(q).toArray()) as BackupDoc[];
  for (const b of backups) backupDoc.parse(b);
  expect(backups.map((b) => b.volid).sort()).toEqual(e.backups);
  for (const b of backups)
    expect({ volid: b.volid, size: b.sizeBytes }).toEqual({ volid: b.volid, size: e.backupSizes.get(b.volid) });
}

async function comparePbs(c: TestCrawler, d: number, p: Parameters<typeof expectedPbs>[0]) {
  const e = expectedPbs(p);
  const q = { date: d, cluster: e.name };
  const stores = await inventory(c.db, 'storages').find(q).toArray();
  expect(stores.map((s) => s.storage).sort()).toEqual(e.datastores);
  const backups = (await inventory(c.db, 'backups').find(q).toArray()) as BackupDoc[];
  expect(
    backups
      .map((b) => ({ store: b.storage, namespace: b.namespace ?? '', volid: b.volid, sizeBytes: b.sizeBytes }))
      .sort((a, b) => a.store.localeCompare(b.store) || a.volid.localeCompare(b.volid)),
  ).toEqual(e.backups);
}

describe('crawl of the simulated estate', () => {
  let sim: Simulator | undefined;
  afterAll(async () => {
    await sim?.stop();
  });

  it('stores the small estate exactly as the simulator holds it', async () => {
    const r = await crawlAndCompare('small', 7);
    sim = r.sim;
    // Shared storage counted once in the rollups: a cluster's storage total is its local storages plus
    // each shared storage once.
    for (const o of r.snap.clusters.filter((x) => x.kind === 'pve')) {
      const storages = await inventory(r.c.db, 'storages').find({ date: r.snap.date, cluster: o.name }).toArray();
      const holdsDisks = storages.filter((s) => s.content.includes('images') || s.content.includes('rootdir'));
      expect(o.rollup!.storageTotalBytes).toBe(holdsDisks.reduce((s, x) => s + x.totalBytes, 0));
      expect(o.rollup!.nodes).toHaveLength(o.counts.nodes);
    }
    await r.sim.stop();
    sim = undefined;
  }, 120_000);

  it('stores the same with one cluster collected and one written at a time (the slots hand over)', async () => {
    const r = await crawlAndCompare('small', 8, { crawlConcurrency: 1, writeConcurrency: 1 });
    expect(r.snap.clusters.every((o) => o.ok)).toBe(true);
    await r.sim.stop();
  }, 120_000);

  it('stores the medium estate exactly as the simulator holds it', async () => {
    const r = await crawlAndCompare('medium', 11);
    await r.sim.stop();
  }, 300_000);
});

beforeAll(() => {
  process.on('unhandledRejection', (e) => {
    throw e;
  });
});
