import type { Db } from 'mongodb';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type ClusterDocuments,
  type ClusterOutcome,
  cleanupLeftovers,
  countDocuments,
  createSnapshot,
  emptyCounts,
  ensureIndexes,
  INDEXES,
  inventory,
  latestPublished,
  openSnapshot,
  publishedDates,
  recordOutcome,
  registerRun,
  resolveDate,
  rollupDocuments,
  snapshots,
  tryPublish,
  writeClusterDocuments,
} from '../../shared/store/index.ts';
import { testDb } from '../support/services.ts';

let db: Db;
beforeAll(async () => {
  db = (await testDb()).db;
  await ensureIndexes(db);
});

function docs(cluster: string, guests: number): ClusterDocuments {
  return {
    cluster: { cluster, kind: 'pve', host: 'h', standalone: false, nodes: 1, nodesOnline: 1, groups: [] },
    nodes: [{ cluster, node: 'n1', status: 'online', online: true, cpus: 8, memTotalBytes: 1000, memUsedBytes: 10 }],
    instances: Array.from({ length: guests }, (_, i) => ({
      cluster,
      node: 'n1',
      vmid: 100 + i,
      uid: `u${cluster}${i}`.padEnd(20, '0'),
      uidSource: 'ctime' as const,
      type: 'qemu' as const,
      name: `vm${i}`,
      status: i % 2 ? 'running' : 'stopped',
      template: false,
      tags: [],
      onboot: false,
      agent: false,
      vcpus: 2,
      memoryBytes: 100,
      diskBytes: 10,
      disks: 1,
      nics: [],
      ips: [],
    })),
    disks: Array.from({ length: guests }, (_, i) => ({
      cluster,
      node: 'n1',
      volid: `local:vm-${100 + i}-disk-0`,
      storage: 'local',
      vmid: 100 + i,
      sizeBytes: 10,
      attached: true,
      unused: false,
      options: {},
    })),
    storages: [
      {
        cluster,
        storage: 'local',
        node: 'n1',
        nodes: ['n1'],
        type: 'dir',
        content: ['images'],
        shared: false,
        status: 'available',
        active: true,
        totalBytes: 500,
        usedBytes: 50,
        availBytes: 450,
      },
      {
        cluster,
        storage: 'ceph',
        nodes: ['n1', 'n2'],
        type: 'rbd',
        content: ['images'],
        shared: true,
        status: 'available',
        active: true,
        totalBytes: 1000,
        usedBytes: 100,
        availBytes: 900,
      },
    ],
    backups: [],
  };
}

function outcome(name: string, run: string, ok: boolean, d?: ClusterDocuments): ClusterOutcome {
  return {
    name,
    kind: 'pve',
    ok,
    ...(ok ? {} : { error: 'down', errorCode: 'CONNECTION' }),
    counts: d ? countDocuments(d) : emptyCounts(),
    calls: 3,
    callsByEndpoint: { 'GET /version': 1 },
    durationMs: 5,
    ...(d ? { rollup: rollupDocuments(d) } : {}),
    run,
    crawler: 'test',
    finishedAt: new Date(),
  };
}

const deadline = () => new Date(Date.now() + 60_000);

describe('snapshot store', () => {
  it('creates its indexes idempotently', async () => {
    await ensureIndexes(db);
    const names = (await db.collection('instances').indexes()).map((i) => i.name);
    for (const def of INDEXES.instances) expect(names).toContain(def.name);
    const snapIdx = await db.collection('snapshots').indexes();
    expect(snapIdx.find((i) => i.name === 'date_unique')?.unique).toBe(true);
  });

  it('publishes only after every expected cluster has an outcome; readers never see it before', async () => {
    const date = 1_700_000_000;
    const a = docs('a', 3);
    const b = docs('b', 2);
    const snap = await openSnapshot(db, { date, trigger: 'once', expected: ['b', 'a'], deadline: deadline() });
    expect(snap.status).toBe('running');
    // A second process joining the same date gets the same document and expected list.
    const joined = await openSnapshot(db, { date, trigger: 'schedule', expected: ['zzz'], deadline: deadline() });
    expect(joined.expected).toEqual(['a', 'b']);
    expect(joined.trigger).toBe('once');

    await registerRun(db, { date, cluster: 'a', run: 'run-a', crawler: 'p1' });
    await writeClusterDocuments(db, a, { date, run: 'run-a' });
    expect(await recordOutcome(db, date, outcome('a', 'run-a', true, a))).toBe(true);
    expect(await recordOutcome(db, date, outcome('a', 'other', true, a))).toBe(false);
    expect(await tryPublish(db, date)).toBeNull();
    expect(await resolveDate(db, date)).toBeNull();
    expect(await resolveDate(db, 'last')).toBeNull();

    // A stray document of a run that is not the recorded one is swept at publication.
    await registerRun(db, { date, cluster: 'b', run: 'lost-run', crawler: 'p1' });
    await writeClusterDocuments(db, b, { date, run: 'lost-run' });
    await registerRun(db, { date, cluster: 'b', run: 'run-b', crawler: 'p2' });
    await writeClusterDocuments(db, b, { date, run: 'run-b' });
    expect(await recordOutcome(db, date, outcome('b', 'run-b', true, b))).toBe(true);
    const published = await tryPublish(db, date);
    expect(published?.status).toBe('complete');
    expect(await tryPublish(db, date)).toBeNull();

    const stored = await snapshots(db).findOne({ date });
    expect(stored?.clusters.map((c) => c.name)).toEqual(['a', 'b']);
    expect(stored?.totals).toMatchObject({ instances: 5, clusters: 2, clustersOk: 2, disks: 5, storages: 4 });
    // Shared storage is counted once per cluster: 500 local + 1000 shared, for each of the 2 clusters.
    expect(stored?.rollups?.storageTotalBytes).toBe(3000);
    expect(stored?.rollups?.cpuAllocated).toBe(10);
    expect(await inventory(db, 'instances').countDocuments({ date })).toBe(5);
    expect(await inventory(db, 'instances').countDocuments({ date, run: 'lost-run' })).toBe(0);
    expect(await resolveDate(db, 'last')).toBe(date);
    expect(await resolveDate(db, date)).toBe(date);
    expect(await publishedDates(db)).toEqual([date]);
  });

  it('marks a snapshot partial when a cluster failed and failed when all did; failed ones are not `last`', async () => {
    const date = 1_700_000_100;
    await openSnapshot(db, { date, trigger: 'once', expected: ['a', 'b'], deadline: deadline() });
    const a = docs('a', 1);
    await registerRun(db, { date, cluster: 'a', run: 'r1', crawler: 'p1' });
    await writeClusterDocuments(db, a, { date, run: 'r1' });
    await recordOutcome(db, date, outcome('a', 'r1', true, a));
    await recordOutcome(db, date, outcome('b', 'none', false));
    expect((await tryPublish(db, date))?.status).toBe('partial');

    const failedDate = 1_700_000_200;
    await openSnapshot(db, { date: failedDate, trigger: 'once', expected: ['a'], deadline: deadline() });
    await registerRun(db, { date: failedDate, cluster: 'a', run: 'r2', crawler: 'p1' });
    await writeClusterDocuments(db, a, { date: failedDate, run: 'r2' });
    await recordOutcome(db, failedDate, outcome('a', 'none', false));
    expect((await tryPublish(db, failedDate))?.status).toBe('failed');
    // The failed cluster's documents are not part of the snapshot.
    expect(await inventory(db, 'instances').countDocuments({ date: failedDate })).toBe(0);
    expect(await resolveDate(db, 'last')).toBe(date);
    expect(await resolveDate(db, failedDate)).toBe(failedDate);
    expect((await latestPublished(db))?.date).toBe(date);
    expect(await publishedDates(db, { includeFailed: true })).toEqual([failedDate, date, 1_700_000_000]);
  });

  it('cleans up a crashed crawl: nothing visible, documents removed, a tombstone kept', async () => {
    const date = 1_700_000_300;
    await openSnapshot(db, { date, trigger: 'schedule', expected: ['a'], deadline: new Date(Date.now() - 1000) });
    await writeClusterDocuments(db, docs('a', 4), { date, run: 'dead' });
    const report = await cleanupLeftovers(db);
    expect(report.abandoned).toEqual([date]);
    expect(await inventory(db, 'instances').countDocuments({ date })).toBe(0);
    expect((await snapshots(db).findOne({ date }))?.status).toBe('abandoned');
    expect(await resolveDate(db, date)).toBeNull();
    // A late write of a crawler that was only paused is removed by the next cleanup.
    await writeClusterDocuments(db, docs('a', 1), { date, run: 'dead' });
    await cleanupLeftovers(db);
    expect(await inventory(db, 'instances').countDocuments({ date })).toBe(0);
    // A day later the tombstone goes.
    await cleanupLeftovers(db, { now: new Date(Date.now() + 25 * 3600 * 1000) });
    expect(await snapshots(db).findOne({ date })).toBeNull();
  });

  it('removes documents of registered runs whose snapshot is gone or published without them', async () => {
    const gone = 1_650_000_000;
    await registerRun(db, { date: gone, cluster: 'x', run: 'zombie', crawler: 'p9' });
    await writeClusterDocuments(db, docs('x', 2), { date: gone, run: 'zombie' });
    // A late run writing into a published snapshot (it had lost its lease long ago).
    await registerRun(db, { date: 1_700_000_000, cluster: 'a', run: 'late', crawler: 'p9' });
    await writeClusterDocuments(db, docs('a', 2), { date: 1_700_000_000, run: 'late' });
    const report = await cleanupLeftovers(db);
    expect(report.strayRuns).toBe(2);
    expect(await inventory(db, 'instances').countDocuments({ date: gone })).toBe(0);
    expect(await inventory(db, 'instances').countDocuments({ date: 1_700_000_000, run: 'late' })).toBe(0);
    expect(await db.collection('snapshot_runs').countDocuments({})).toBe(0);
  });

  it('the inventory scan removes documents of dates that have no snapshot document', async () => {
    const date = 1_600_000_000;
    await writeClusterDocuments(db, docs('x', 2), { date, run: 'orphan' });
    expect((await cleanupLeftovers(db)).orphanDates).toEqual([]);
    const report = await cleanupLeftovers(db, { scanInventory: true });
    expect(report.orphanDates).toEqual([date]);
    expect(await inventory(db, 'disks').countDocuments({ date })).toBe(0);
    // Published snapshots are untouched.
    expect(await inventory(db, 'instances').countDocuments({ date: 1_700_000_000 })).toBe(5);
  });

  it('gives an on-demand snapshot the first free date', async () => {
    const s = await createSnapshot(db, {
      date: 1_700_000_000,
      trigger: 'on-demand',
      expected: ['a'],
      deadline: deadline(),
    });
    expect(s.date).toBe(1_700_000_001);
  });
});
