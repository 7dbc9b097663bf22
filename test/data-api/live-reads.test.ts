import { beforeAll, describe, expect, it } from 'vitest';
import { bearer } from '../api/harness.ts';
import { guestName, guestTemplate } from '../simulator/estate.ts';
import type { EstateTruth } from '../simulator/index.ts';
import { liveEstate } from './live-support.ts';

/**
 * The read routes on snapshots crawled from the simulator (small preset), checked against the simulator's
 * truth: HyperProxmox's documented paths, paging through everything, search, history and the diff of two
 * crawls with the estate moved on in between.
 */
const live = await liveEstate({ preset: 'small', seed: 11 });
const app = live.build();
const D1 = Math.floor(Date.now() / 1000 / 900) * 900 - 1800;
const D2 = D1 + 900;
let truth1: EstateTruth;
let truth2: EstateTruth;
let auth: Record<string, string>;

beforeAll(async () => {
  truth1 = live.sim.truth();
  await live.crawl(D1);
  live.sim.advance(3);
  truth2 = live.sim.truth();
  await live.crawl(D2);
  auth = { authorization: (await bearer(live.db, 'audit')).authorization };
}, 120_000);

type Row = Record<string, unknown>;
async function get(p: string, headers = auth) {
  const res = await app.request(p, { headers });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Row & { error?: { code: string; message: string } }, text };
}
const guestsOf = (t: EstateTruth) => t.clusters.flatMap((c) => c.guests.map((g) => ({ cluster: c.name, ...g })));

describe('HyperProxmox compatibility on crawled data', () => {
  it('lists the crawled dates and serves the documented examples', async () => {
    expect((await get('/api/v1/static/dates/all')).body).toEqual({ result: 'OK', value: [{ date: D2 }, { date: D1 }] });
    expect((await get('/api/v1/static/dates/last')).body).toEqual({ result: 'OK', value: D2 });
    const all = (await get('/api/v1/static/instances/last')).body.value as Row[];
    expect(all).toHaveLength(guestsOf(truth2).length);
    const g = guestsOf(truth1).find((x) => !guestTemplate(x))!;
    const one = await get(`/api/v1/static/instances/${D1}/${g.cluster}/${g.node}/${g.vmid}`);
    expect(one.status).toBe(200);
    expect((one.body.value as Row[])[0]).toMatchObject({
      vmid: g.vmid,
      node: g.node,
      cluster: g.cluster,
      name: guestName(g),
      date: D1,
    });
    const cluster = truth2.clusters[0]!;
    const node = cluster.nodes[0]!;
    expect((await get(`/api/v1/static/nodes/last/${cluster.name}/${node.name}`)).body.value).toMatchObject({
      node: node.name,
      cpus: node.cpus,
    });
    expect((await get(`/api/v1/static/nodes/last/${cluster.name}`)).body.value).toHaveLength(cluster.nodes.length);
    expect((await get(`/api/v1/static/clusters/last/${cluster.name}`)).body.value).toMatchObject({
      cluster: cluster.name,
      kind: 'pve',
    });
    expect(((await get('/api/v1/static/clusters/last')).body.value as Row[]).length).toBe(
      truth2.clusters.length + truth2.pbs.length,
    );
    const onNode = (await get(`/api/v1/static/instances/last/${cluster.name}/${node.name}`)).body.value as Row[];
    expect(onNode.map((x) => x.vmid).sort()).toEqual(
      cluster.guests
        .filter((x) => x.node === node.name)
        .map((x) => x.vmid)
        .sort(),
    );
    const storages = (await get(`/api/v1/static/storages/last/${cluster.name}`)).body.value as Row[];
    expect(storages.length).toBeGreaterThan(0);
    const disks = (await get(`/api/v1/static/disks/last/${cluster.name}`)).body.value as Row[];
    expect(disks.every((d) => d.cluster === cluster.name && d.date === D2)).toBe(true);
    const id = String(disks[0]?._id);
    expect(((await get(`/api/v1/static/disks/id/${id}`)).body.value as Row[])[0]).toMatchObject({
      volid: disks[0]?.volid,
    });
  });

  it('answers bad and unknown input with 400 and 404', async () => {
    const c = truth2.clusters[0]!.name;
    for (const [p, status] of [
      ['/api/v1/static/instances/notadate', 400],
      [`/api/v1/static/instances/${D1 - 1}`, 404],
      ['/api/v1/static/instances/last/no-such-cluster', 404],
      [`/api/v1/static/instances/last/${c}/no-such-node`, 404],
      [`/api/v1/static/instances/last/${c}/${truth2.clusters[0]!.nodes[0]!.name}/99`, 400],
      [`/api/v1/static/instances/last/${c}/${truth2.clusters[0]!.nodes[0]!.name}/999999`, 404],
      ['/api/v1/static/storage/last', 404],
    ] as const) {
      expect([p, (await get(p)).status]).toEqual([p, status]);
    }
  });
});

describe('lists, search, history and diff on crawled data', () => {
  it('pages through every guest exactly once', async () => {
    const seen: unknown[] = [];
    let cursor = '';
    for (let i = 0; i < 50; i++) {
      const r = await get(
        `/api/v1/inventory/instances?limit=7&sort=name&fields=uid,name${cursor ? `&cursor=${cursor}` : ''}`,
      );
      seen.push(...(r.body.items as Row[]).map((x) => x.uid));
      if (!r.body.nextCursor) break;
      cursor = String(r.body.nextCursor);
    }
    expect(seen).toHaveLength(guestsOf(truth2).length);
    expect(new Set(seen).size).toBe(seen.length);
    const running = await get('/api/v1/inventory/instances?status=running&limit=1');
    expect(running.body.total).toBe(guestsOf(truth2).filter((g) => g.status === 'running').length);
  });

  it('finds guests by name, MAC and vmid', async () => {
    const g = guestsOf(truth2).find((x) => !guestTemplate(x) && x.type === 'qemu')!;
    const byName = await get(`/api/v1/search?q=${encodeURIComponent(`name:"${guestName(g)}" cluster:${g.cluster}`)}`);
    expect((byName.body.items as Row[]).map((x) => x.vmid)).toContain(g.vmid);
    const mac = String(g.config.net0 ?? '').match(/([0-9A-F]{2}:){5}[0-9A-F]{2}/i)?.[0];
    if (mac) {
      const byMac = await get(`/api/v1/search?q=${encodeURIComponent(mac.toLowerCase())}`);
      expect((byMac.body.items as Row[]).map((x) => x.vmid)).toContain(g.vmid);
    }
    const byVmid = await get(`/api/v1/search?q=vmid:${g.vmid}%20cluster:${g.cluster}`);
    expect((byVmid.body.items as Row[]).map((x) => x.vmid)).toEqual([g.vmid]);
  });

  it('follows a guest across both crawls', async () => {
    const list = (await get(`/api/v1/inventory/instances?date=${D1}&limit=5000&fields=uid,vmid,cluster`)).body
      .items as Row[];
    const later = new Set(
      ((await get('/api/v1/inventory/instances?limit=5000&fields=uid')).body.items as Row[]).map((x) => x.uid),
    );
    const both = list.find((x) => later.has(x.uid))!;
    const hist = await get(`/api/v1/guests/${String(both.uid)}/history`);
    expect((hist.body.items as Row[]).map((x) => x.date)).toEqual([D1, D2]);
    const at = await get(`/api/v1/guests/${String(both.uid)}?date=${D1}`);
    expect(at.body.instance).toMatchObject({ uid: both.uid, vmid: both.vmid, date: D1 });
  });

  it('diffs the two crawls consistently with the truth', async () => {
    const d = await get(`/api/v1/diff?from=${D1}&to=${D2}`);
    expect(d.status).toBe(200);
    const s = d.body.summary as Record<string, number>;
    expect(s.guestsCreated! - s.guestsDeleted!).toBe(guestsOf(truth2).length - guestsOf(truth1).length);
    const now = new Map(guestsOf(truth2).map((g) => [`${g.cluster}/${g.vmid}`, g]));
    for (const m of (d.body.guests as Record<string, Row[]>).migrated ?? []) {
      expect(now.get(`${String(m.cluster)}/${String(m.vmid)}`)?.node).toBe(m.toNode);
    }
    for (const c of (d.body.guests as Record<string, Row[]>).created ?? [])
      expect(now.has(`${String(c.cluster)}/${String(c.vmid)}`)).toBe(true);
    expect(Object.values(s).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
  });

  it('reports capacity, health and coverage for the crawled estate', async () => {
    const cap = await get('/api/v1/capacity');
    for (const c of truth2.clusters) {
      const row = (cap.body.clusters as Row[]).find((x) => x.cluster === c.name) as Record<string, Row>;
      expect(row.cpu?.physical).toBe(c.nodes.reduce((n, x) => n + x.cpus, 0));
    }
    const health = await get('/api/v1/health');
    expect((health.body.clusters as Row[]).length).toBe(truth2.clusters.length + truth2.pbs.length);
    const cov = await get('/api/v1/backups/coverage?maxAgeHours=48');
    expect((cov.body.summary as Row).total).toBe(guestsOf(truth2).filter((g) => !guestTemplate(g)).length);
    const range = await get(`/api/v1/capacity/range?from=${D1}`);
    expect((range.body.points as Row[]).filter((p) => p.cluster === '*')).toHaveLength(2);
  });

  it('streams the whole estate as NDJSON', async () => {
    const res = await app.request('/api/v1/inventory/instances/dump', { headers: auth });
    const lines = (await res.text()).trim().split('\n');
    expect(lines).toHaveLength(guestsOf(truth2).length);
    expect(JSON.parse(lines[0]!)).toHaveProperty('date', D2);
  });
});
