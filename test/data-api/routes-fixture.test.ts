import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, harness } from '../api/harness.ts';
import { fixtureEstate, GiB } from './estate-fixture.ts';
import { seedSnapshot } from './seed.ts';

/**
 * Every read route against an exactly known estate (two generations) written through the store's own
 * writer: values, paging, filters, bad input for each parameter, and what a caller scoped to one cluster
 * group may see.
 */
const h = await harness();
const D1 = 1_763_900_000;
const D2 = D1 + 900;
const D3 = D2 + 900;
const D0 = D1 - 900;
let all: Record<string, string>;
let europe: Record<string, string>;

beforeAll(async () => {
  const g0 = fixtureEstate(D1, 0);
  const g1 = fixtureEstate(D2, 1);
  await seedSnapshot(h.db, D1, [
    { name: 'eu', docs: g0.eu },
    { name: 'us', docs: g0.us },
    { name: 'pbs1', kind: 'pbs', docs: g0.pbs1 },
  ]);
  await seedSnapshot(h.db, D2, [
    { name: 'eu', docs: g1.eu },
    { name: 'us', docs: g1.us },
    { name: 'pbs1', kind: 'pbs', docs: g1.pbs1 },
  ]);
  // An earlier crawl in which us failed (partial), and a later one in which every cluster failed.
  await seedSnapshot(h.db, D0, [
    { name: 'eu', docs: fixtureEstate(D0, 0).eu },
    { name: 'us', error: 'authentication failure' },
  ]);
  // The failed one is published, but holds no inventory.
  await seedSnapshot(h.db, D3, [{ name: 'eu', error: 'connection refused' }]);
  await h.db
    .collection('clusters_registry')
    .insertMany([
      { _id: 'eu', name: 'eu', groups: ['europe'] } as never,
      { _id: 'us', name: 'us', groups: ['america'] } as never,
      { _id: 'pbs1', name: 'pbs1', groups: [] } as never,
    ]);
  all = { authorization: (await bearer(h.db, 'audit')).authorization };
  europe = { authorization: (await bearer(h.db, 'audit', 'europe')).authorization };
});

const app = h.build();
async function get(path: string, headers = all) {
  const res = await app.request(path, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return {
    status: res.status,
    body: body as Record<string, unknown> & { error?: { code: string; message: string } },
    headers: res.headers,
    text,
  };
}
type Row = Record<string, unknown>;
const values = (b: Record<string, unknown>) => b.value as Row[];

describe('HyperProxmox compatibility paths', () => {
  it('lists dates newest first and names the last one (a failed crawl is not readable)', async () => {
    const a = await get('/api/v1/static/dates/all');
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ result: 'OK', value: [{ date: D2 }, { date: D1 }, { date: D0 }] });
    expect((await get('/api/v1/static/dates/last')).body).toEqual({ result: 'OK', value: D2 });
    const bad = await get('/api/v1/static/dates/first');
    expect(bad.status).toBe(404);
    expect(bad.body.error?.message).toContain('/api/v1/static/dates/all');
  });

  it('serves the documented examples', async () => {
    const last = await get('/api/v1/static/instances/last');
    expect(last.status).toBe(200);
    expect(last.headers.get('x-strata-date')).toBe(String(D2));
    expect(
      values(last.body)
        .map((g) => g.vmid)
        .sort(),
    ).toEqual([100, 102, 103, 200, 9000]);
    expect(values(last.body)[0]).not.toHaveProperty('run');

    const one = await get(`/api/v1/static/instances/${D1}/eu/pve1/100`);
    expect(one.status).toBe(200);
    expect(values(one.body)).toHaveLength(1);
    expect(values(one.body)[0]).toMatchObject({ vmid: 100, name: 'web01', node: 'pve1', cluster: 'eu', date: D1 });
    const id = String(values(one.body)[0]?._id);
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    const byId = await get(`/api/v1/static/instances/id/${id}`);
    expect(values(byId.body)[0]).toMatchObject({ vmid: 100, date: D1 });

    expect(values((await get(`/api/v1/static/instances/${D1}/eu`)).body)).toHaveLength(4);
    // HyperProxmox's clients add a trailing slash.
    expect(values((await get(`/api/v1/static/instances/${D1}/eu/`)).body)).toHaveLength(4);
    expect((await get('/api/v1/static/dates/last/')).body).toEqual({ result: 'OK', value: D2 });
    expect(values((await get(`/api/v1/static/instances/${D1}/eu/pve2`)).body).map((g) => g.vmid)).toEqual([101]);
    expect((await get('/api/v1/static/nodes/last/eu/pve2')).body.value).toMatchObject({ node: 'pve2', cluster: 'eu' });
    expect(values((await get('/api/v1/static/nodes/last/eu')).body)).toHaveLength(2);
    expect((await get('/api/v1/static/clusters/last/eu')).body.value).toMatchObject({ cluster: 'eu', quorate: true });
    expect(values((await get('/api/v1/static/clusters/last')).body)).toHaveLength(3);
    // Shared storage counts on every node that sees it.
    expect(
      values((await get('/api/v1/static/storages/last/eu/pve1')).body)
        .map((s) => s.storage)
        .sort(),
    ).toEqual(['ceph', 'local-lvm', 'nfs']);
    expect(values((await get(`/api/v1/static/disks/${D1}/eu/pve2/101`)).body).map((d) => d.volid)).toEqual([
      'local-lvm:vm-101-disk-0',
    ]);
    expect(values((await get('/api/v1/static/backups/last/eu/pve2/100')).body)).toHaveLength(2);
  });

  it('answers bad input with 400 and missing things with 404, saying what exists', async () => {
    const cases: [string, number, string, string?][] = [
      ['/api/v1/static/instances/yesterday', 400, 'invalid_date', 'epoch seconds'],
      ['/api/v1/static/instances/123', 400, 'invalid_date'],
      ['/api/v1/static/instances/1500000000', 404, 'unknown_date', `The newest is ${D2}`],
      [`/api/v1/static/instances/${D3}`, 404, 'unknown_date', 'failed'],
      ['/api/v1/static/vms/last', 404, 'unknown_kind', 'instances, nodes'],
      ['/api/v1/static/instances/last/nope', 404, 'unknown_cluster', 'it has eu, pbs1, us'],
      [`/api/v1/static/instances/${D0}/us`, 404, 'cluster_failed', 'authentication failure'],
      ['/api/v1/static/instances/last/bad$name', 400, 'invalid_name'],
      ['/api/v1/static/instances/last/eu/pve9', 404, 'unknown_node', 'pve1, pve2'],
      ['/api/v1/static/instances/last/eu/-x', 400, 'invalid_name'],
      ['/api/v1/static/instances/last/eu/pve1/abc', 400, 'invalid_vmid'],
      ['/api/v1/static/instances/last/eu/pve1/100', 404, 'unknown_guest', 'was on node pve2'],
      ['/api/v1/static/instances/last/eu/pve1/555', 404, 'unknown_guest', 'had no guest 555'],
      ['/api/v1/static/nodes/last/eu/pve1/100', 404, 'no_such_level'],
      ['/api/v1/static/clusters/last/eu/pve1', 404, 'no_such_level'],
      ['/api/v1/static/instances/id/xyz', 400, 'invalid_id'],
      ['/api/v1/static/instances/id/0123456789abcdef01234567', 404, 'unknown_id'],
    ];
    for (const [path, status, code, text] of cases) {
      const r = await get(path);
      expect([path, r.status, r.body.error?.code]).toEqual([path, status, code]);
      if (text) expect(r.body.error?.message).toContain(text);
    }
  });

  it('needs authentication, and shows a scoped caller only its clusters', async () => {
    expect((await get('/api/v1/static/instances/last', {})).status).toBe(401);
    const mine = await get('/api/v1/static/instances/last', europe);
    expect(new Set(values(mine.body).map((g) => g.cluster))).toEqual(new Set(['eu']));
    expect((await get('/api/v1/static/instances/last/us', europe)).status).toBe(403);
    const usDoc = values((await get('/api/v1/static/instances/last/us')).body)[0];
    expect((await get(`/api/v1/static/instances/id/${String(usDoc?._id)}`, europe)).status).toBe(404);
  });
});

describe('snapshots', () => {
  it('lists published snapshots with outcomes, pages by cursor, and a calendar', async () => {
    const p1 = await get('/api/v1/snapshots?limit=2');
    const items = p1.body.items as Row[];
    expect(items.map((s) => s.date)).toEqual([D3, D2]);
    expect(items[0]).toMatchObject({ status: 'failed', clusters: { eu: { ok: false, error: 'connection refused' } } });
    expect(items[1]?.clusters).toHaveProperty('us');
    expect((items[1] as Row).totals).toMatchObject({ instances: 5 });
    const p2 = await get(`/api/v1/snapshots?limit=2&cursor=${String(p1.body.nextCursor)}`);
    expect((p2.body.items as Row[]).map((s) => s.date)).toEqual([D1, D0]);
    expect(p2.body.nextCursor).toBeNull();
    const scoped = await get('/api/v1/snapshots', europe);
    const s2 = (scoped.body.items as Row[])[1] as Row;
    expect(Object.keys(s2.clusters as Row)).toEqual(['eu']);
    expect((s2.totals as Row).instances).toBe(4);
    const month = new Date(D1 * 1000).toISOString().slice(0, 7);
    const cal = await get(`/api/v1/snapshots/calendar?month=${month}`);
    expect(Object.values(cal.body.days as Record<string, number[]>).flat()).toEqual([D0, D1, D2]);
    expect((await get('/api/v1/snapshots/calendar?month=2026-13')).status).toBe(400);
    expect((await get('/api/v1/snapshots?limit=0')).status).toBe(400);
    expect((await get('/api/v1/snapshots?cursor=abc')).status).toBe(400);
  });
});

describe('inventory lists', () => {
  it('pages with cursors and filters, sorts, selects fields', async () => {
    const p1 = await get('/api/v1/inventory/instances?limit=2&sort=vmid&fields=vmid,name');
    expect(p1.body).toMatchObject({
      date: D2,
      total: 5,
      items: [
        { vmid: 100, name: 'web01' },
        { vmid: 102, name: 'ct-db' },
      ],
    });
    const p2 = await get(
      `/api/v1/inventory/instances?limit=2&sort=vmid&fields=vmid,name&cursor=${String(p1.body.nextCursor)}`,
    );
    expect((p2.body.items as Row[]).map((i) => i.vmid)).toEqual([103, 200]);
    const p3 = await get(
      `/api/v1/inventory/instances?limit=2&sort=vmid&fields=vmid,name&cursor=${String(p2.body.nextCursor)}`,
    );
    expect((p3.body.items as Row[]).map((i) => i.vmid)).toEqual([9000]);
    expect(p3.body.nextCursor).toBeNull();
    const reused = await get(`/api/v1/inventory/instances?limit=2&sort=name&cursor=${String(p1.body.nextCursor)}`);
    expect(reused.body.error?.code).toBe('cursor_mismatch');

    const f = await get(
      `/api/v1/inventory/instances?date=${D1}&cluster=eu&status=running&type=qemu&tag=web&pool=prod&node=pve1&name=WEB`,
    );
    expect((f.body.items as Row[]).map((i) => i.vmid)).toEqual([100]);
    const desc = await get('/api/v1/inventory/instances?sort=memoryBytes&order=desc&fields=vmid');
    expect((desc.body.items as Row[])[0]).toEqual({ vmid: 200 });
    const q = await get('/api/v1/inventory/instances?q=tag:web%20-name:web03');
    expect((q.body.items as Row[]).map((i) => i.vmid)).toEqual([100]);
    const storages = await get('/api/v1/inventory/storages?cluster=eu&type=lvmthin&sort=node');
    expect((storages.body.items as Row[]).map((s) => s.node)).toEqual(['pve1', 'pve2']);
    const backups = await get('/api/v1/inventory/backups?sort=backupTime&order=desc&fields=volid');
    expect((backups.body.items as Row[])[0]).toEqual({ volid: 'nfs:backup/vzdump-qemu-100-new.vma.zst' });
    expect((await get('/api/v1/inventory/nodes', europe)).body.total).toBe(2);
  });

  it('refuses bad parameters one by one', async () => {
    const cases: [string, number, string][] = [
      ['/api/v1/inventory/guests', 404, 'unknown_kind'],
      ['/api/v1/inventory/instances?date=soon', 400, 'invalid_date'],
      ['/api/v1/inventory/instances?cluster=a/b', 400, 'invalid_name'],
      ['/api/v1/inventory/instances?cluster=nowhere', 404, 'unknown_cluster'],
      ['/api/v1/inventory/instances?node=-bad', 400, 'invalid_name'],
      ['/api/v1/inventory/instances?sort=secret', 400, 'invalid_sort'],
      ['/api/v1/inventory/instances?order=sideways', 400, 'invalid_order'],
      ['/api/v1/inventory/instances?fields=a.b', 400, 'invalid_fields'],
      ['/api/v1/inventory/instances?limit=99999', 400, 'invalid_limit'],
      ['/api/v1/inventory/instances?cursor=!!', 400, 'invalid_cursor'],
      ['/api/v1/inventory/instances?q=colour:red', 400, 'invalid_search'],
    ];
    for (const [path, status, code] of cases) {
      const r = await get(path);
      expect([path, r.status, r.body.error?.code]).toEqual([path, status, code]);
    }
    expect((await get('/api/v1/inventory/instances?cluster=us', europe)).status).toBe(403);
  });

  it('dumps a kind as NDJSON, one document per line', async () => {
    const r = await get(`/api/v1/inventory/disks/dump?date=${D1}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = r.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    expect(lines).toHaveLength(5);
    expect(lines.every((l) => l.date === D1 && !('run' in l))).toBe(true);
    const scoped = await get(`/api/v1/inventory/disks/dump?date=${D1}`, europe);
    expect(scoped.text.trim().split('\n')).toHaveLength(4);
    expect((await get('/api/v1/inventory/disks/dump?date=x')).status).toBe(400);
  });
});

describe('search', () => {
  it('matches the search language across clusters', async () => {
    const s = await get('/api/v1/search?q=name:web%20status:running%20tag:prod%20cluster:eu&fields=vmid');
    expect(s.body).toMatchObject({ date: D2, total: 2, items: [{ vmid: 100 }, { vmid: 103 }] });
    expect(((await get('/api/v1/search?q=BC:24:11:00:01:02')).body.items as Row[]).map((i) => i.vmid)).toEqual([102]);
    expect(((await get('/api/v1/search?q=10.0.1.100')).body.items as Row[]).map((i) => i.vmid)).toEqual([100]);
    expect(((await get(`/api/v1/search?q=101&date=${D1}`)).body.items as Row[]).map((i) => i.vmid)).toEqual([101]);
    expect((await get('/api/v1/search?q=app01', europe)).body.total).toBe(0);
    expect((await get('/api/v1/search?q=name:"unclosed')).body.error?.code).toBe('invalid_search');
  });
});

describe('guests', () => {
  it('shows a guest at a date with disks and backups, and its history', async () => {
    const g = await get(`/api/v1/guests/u-eu-100?date=${D2}`);
    expect(g.status).toBe(200);
    expect(g.body.instance).toMatchObject({ vmid: 100, node: 'pve2' });
    expect((g.body.disks as Row[]).map((d) => d.volid)).toEqual(['ceph:vm-100-disk-0']);
    expect((g.body.backups as Row[]).map((b) => b.volid)).toEqual([
      'nfs:backup/vzdump-qemu-100-new.vma.zst',
      'nfs:backup/vzdump-qemu-100-old.vma.zst',
    ]);
    const h1 = await get('/api/v1/guests/u-eu-100/history');
    const items = h1.body.items as Row[];
    expect(items.map((i) => [i.date, i.node, i.memoryBytes])).toEqual([
      [D0, 'pve1', 4 * GiB],
      [D1, 'pve1', 4 * GiB],
      [D2, 'pve2', 8 * GiB],
    ]);
    expect(items[2]).toMatchObject({ backups: 2, lastBackup: { volid: 'nfs:backup/vzdump-qemu-100-new.vma.zst' } });
    expect(((items[2] as Row).disks as Row[])[0]).toMatchObject({ volid: 'ceph:vm-100-disk-0', sizeBytes: 40 * GiB });
    expect(((await get(`/api/v1/guests/u-eu-100/history?from=${D2}`)).body.items as Row[]).map((i) => i.date)).toEqual([
      D2,
    ]);
    const pbs = await get('/api/v1/guests/u-us-200/history');
    // listed by PVE and read from the PBS itself: one backup, from the cluster's own listing
    expect((pbs.body.items as Row[])[0]).toMatchObject({ backups: 1, lastBackup: { storage: 'backup-pbs' } });

    const cases: [string, number, string, Record<string, string>?][] = [
      ['/api/v1/guests/u-eu-101', 404, 'guest_not_at_date'],
      ['/api/v1/guests/nobody', 404, 'unknown_guest'],
      ['/api/v1/guests/$bad', 400, 'invalid_uid'],
      ['/api/v1/guests/u-eu-100?date=nope', 400, 'invalid_date'],
      ['/api/v1/guests/u-eu-100/history?from=abc', 400, 'invalid_date'],
      [`/api/v1/guests/u-eu-100/history?from=${D2}&to=${D1}`, 400, 'invalid_range'],
      ['/api/v1/guests/u-us-200', 404, 'unknown_guest', europe],
    ];
    for (const [path, status, code, headers] of cases) {
      const r = await get(path, headers ?? all);
      expect([path, r.status, r.body.error?.code]).toEqual([path, status, code]);
    }
  });
});

describe('diff, capacity, health and coverage', () => {
  it('diffs two dates', async () => {
    const d = await get(`/api/v1/diff?from=${D1}&to=${D2}`);
    expect(d.status).toBe(200);
    const guests = d.body.guests as Record<string, Row[]>;
    expect(guests.created?.map((g) => g.uid)).toEqual(['u-eu-103']);
    expect(guests.deleted?.map((g) => g.uid)).toEqual(['u-eu-101']);
    expect(guests.migrated).toEqual([expect.objectContaining({ uid: 'u-eu-100', fromNode: 'pve1', toNode: 'pve2' })]);
    expect(guests.changed?.find((g) => g.uid === 'u-eu-100')?.changes).toEqual([
      { field: 'memoryBytes', before: 4 * GiB, after: 8 * GiB },
      { field: 'diskBytes', before: 32 * GiB, after: 40 * GiB },
    ]);
    const disks = d.body.disks as Record<string, Row[]>;
    expect(disks.resized).toEqual([
      expect.objectContaining({ volid: 'ceph:vm-100-disk-0', before: 32 * GiB, after: 40 * GiB }),
    ]);
    expect(disks.added?.map((x) => x.volid)).toEqual(['ceph:vm-103-disk-0']);
    expect(disks.removed?.map((x) => x.volid)).toEqual(['local-lvm:vm-101-disk-0']);
    expect(d.body.storages).toEqual([
      {
        cluster: 'eu',
        storage: 'ceph',
        usedBefore: 200 * GiB,
        usedAfter: 300 * GiB,
        totalBefore: 1000 * GiB,
        totalAfter: 1000 * GiB,
      },
    ]);
    const backups = d.body.backups as Record<string, Row[]>;
    expect(backups.added?.map((b) => b.volid)).toEqual(['nfs:backup/vzdump-qemu-100-new.vma.zst']);
    expect(backups.removed?.map((b) => b.volid)).toEqual(['nfs:backup/vzdump-qemu-101.vma.zst']);
    expect((await get(`/api/v1/diff?from=${D1}&to=${D2}&cluster=us`)).body.summary).toMatchObject({
      guestsCreated: 0,
      guestsChanged: 0,
    });
    const cases: [string, number, string][] = [
      ['/api/v1/diff', 400, 'bad_request'],
      ['/api/v1/diff?from=abc', 400, 'invalid_date'],
      ['/api/v1/diff?from=1500000000', 404, 'unknown_date'],
      [`/api/v1/diff?from=${D1}&cluster=zz`, 404, 'unknown_cluster'],
    ];
    for (const [path, status, code] of cases) {
      const r = await get(path);
      expect([path, r.status, r.body.error?.code]).toEqual([path, status, code]);
    }
  });

  it('reports capacity at a date and over a range, from the rollups', async () => {
    const c = await get(`/api/v1/capacity?date=${D2}`);
    const eu = (c.body.clusters as Row[]).find((x) => x.cluster === 'eu') as Record<string, Row>;
    expect(eu.cpu).toMatchObject({ physical: 32, allocated: 2 + 1 + 2 });
    expect(eu.memory).toMatchObject({ physical: 128 * GiB, allocated: (8 + 2 + 4) * GiB });
    // ceph (shared, counted once) + two local-lvm; nfs holds backups only
    expect(eu.storage).toMatchObject({ total: 2000 * GiB });
    expect((eu.nodes as unknown as Row[]).map((n) => n.node)).toEqual(['pve1', 'pve2']);
    expect((await get(`/api/v1/capacity?date=${D2}&cluster=us`)).body.clusters).toHaveLength(1);
    const r = await get(`/api/v1/capacity/range?from=${D1}`);
    expect(r.body).toMatchObject({ from: D1, to: D2, snapshots: 2 });
    expect((r.body.points as Row[]).filter((p) => p.cluster === '*').map((p) => p.date)).toEqual([D1, D2]);
    expect((await get(`/api/v1/capacity/range?from=${D2}&to=${D1}`)).body.error?.code).toBe('invalid_range');
    expect((await get(`/api/v1/capacity/range?from=${D1}&maxPoints=1`)).status).toBe(400);
  });

  it('reports health and backup coverage', async () => {
    const h2 = await get('/api/v1/health');
    expect(h2.body).toMatchObject({ date: D2, snapshot: { status: 'complete' }, summary: { clusters: 3 } });
    const coverage = await get(`/api/v1/backups/coverage?date=${D2}&maxAgeHours=24`);
    const byUid = Object.fromEntries((coverage.body.guests as Row[]).map((g) => [g.uid, g]));
    expect(byUid['u-eu-100']).toMatchObject({ covered: true, ageHours: 2 });
    expect(byUid['u-eu-102']).toMatchObject({ covered: false, lastBackup: null });
    expect(byUid['u-us-200']).toMatchObject({ covered: true, ageHours: 5 });
    expect(byUid['u-eu-9000']).toBeUndefined();
    expect((coverage.body.orphans as Row[]).map((b) => b.vmid)).toEqual([555]);
    expect((await get(`/api/v1/backups/coverage?date=${D2}&maxAgeHours=1`)).body.summary).toMatchObject({ covered: 0 });
    expect((await get('/api/v1/backups/coverage?maxAgeHours=-3')).status).toBe(400);
  });
});
