import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { markerUid, stripMarker, withMarker } from '../../crawler/identity.ts';
import { ProxmoxClient } from '../../shared/proxmox/index.ts';
import { type InstanceDoc, inventory } from '../../shared/store/index.ts';
import type { EstateTruth } from '../simulator/estate.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { register, type TestCrawler, testCrawler } from './support.ts';

/** Guest identity across crawls: migration keeps the uid, a reused vmid gets a new one; notes tagging; clones. */

let sim: Simulator;
let c: TestCrawler;
let date = 1_830_000_000;

beforeAll(async () => {
  sim = await startSimulator({ preset: 'small', seed: 9, unauthorizedDelayMs: 50, taskDurationMs: 10 });
  c = await testCrawler();
  await register(c.db, c.vault, sim.clusters);
});
afterAll(async () => {
  await sim?.stop();
});

async function crawl(): Promise<{ date: number; guests: Map<string, InstanceDoc> }> {
  const d = date++;
  const snap = await runCrawl(c, { date: d, trigger: 'once' });
  expect(snap?.status).toBe('complete');
  const docs = await inventory(c.db, 'instances').find({ date: d }).toArray();
  return { date: d, guests: new Map(docs.map((g) => [`${g.cluster}/${g.vmid}`, g])) };
}

/** What makes a guest itself in the truth: creation time (qemu meta; lxc ctime) and MAC addresses. */
function identities(t: EstateTruth): Map<string, { ctime: number; macs: string; node: string }> {
  const out = new Map<string, { ctime: number; macs: string; node: string }>();
  for (const cl of t.clusters) {
    for (const g of cl.guests) {
      const macs = Object.entries(g.config)
        .filter(([k]) => /^net\d+$/.test(k))
        .map(([, v]) => /([0-9A-F]{2}(:[0-9A-F]{2}){5})/i.exec(String(v))?.[1]?.toUpperCase())
        .join(',');
      out.set(`${cl.name}/${g.vmid}`, { ctime: g.ctime, macs, node: g.node });
    }
  }
  return out;
}

describe('guest identity across crawls', () => {
  it('keeps the uid through migrations and changes it when a vmid is reused', async () => {
    const first = await crawl();
    const before = identities(sim.truth());
    // Move time on until the estate has at least one migration and one reused vmid.
    let migrated: string[] = [];
    let reused: string[] = [];
    for (let step = 0; step < 200 && (migrated.length === 0 || reused.length === 0); step++) {
      sim.advance(1);
      const now = identities(sim.truth());
      migrated = [...now]
        .filter(([k, v]) => before.get(k)?.ctime === v.ctime && before.get(k)!.node !== v.node)
        .map(([k]) => k);
      reused = [...now].filter(([k, v]) => before.has(k) && before.get(k)!.ctime !== v.ctime).map(([k]) => k);
    }
    expect(migrated.length).toBeGreaterThan(0);
    expect(reused.length).toBeGreaterThan(0);
    const second = await crawl();
    for (const k of migrated) {
      expect(second.guests.get(k)!.node).not.toBe(first.guests.get(k)!.node);
      expect(second.guests.get(k)!.uid).toBe(first.guests.get(k)!.uid);
    }
    for (const k of reused) expect(second.guests.get(k)!.uid).not.toBe(first.guests.get(k)!.uid);
    // Every guest that is the same guest keeps its uid, containers included (carried over by MAC).
    const now = identities(sim.truth());
    let carried = 0;
    for (const [k, v] of now) {
      const was = before.get(k);
      if (!was || was.ctime !== v.ctime || !first.guests.has(k)) continue;
      expect({ k, uid: second.guests.get(k)!.uid }).toEqual({ k, uid: first.guests.get(k)!.uid });
      if (second.guests.get(k)!.type === 'lxc') {
        expect(second.guests.get(k)!.uidSource).toBe('carried');
        carried++;
      }
    }
    expect(carried).toBeGreaterThan(0);
  }, 120_000);

  it('tags notes when the cluster opts in, keeping the text, and flags a guest that copied a marker', async () => {
    const name = sim.clusters[0]!.name;
    await c.db.collection('clusters_registry').updateOne({ _id: name as never }, { $set: { tagNotes: true } });
    const textBefore = new Map(
      sim
        .truth()
        .clusters[0]!.guests.map((g) => [
          g.vmid,
          typeof g.config.description === 'string' ? g.config.description : undefined,
        ]),
    );
    sim.resetCounts();
    const tagged = await crawl();
    const all = sim.truth().clusters[0]!.guests;
    // Locked guests refuse config changes: they are left for a later crawl.
    const guests = all.filter((g) => g.config.lock === undefined);
    expect(guests.length).toBeLessThan(all.length);
    expect(sim.counts(name)['PUT /nodes/{node}/qemu/{vmid}/config'] ?? 0).toBe(
      guests.filter((g) => g.type === 'qemu').length,
    );
    expect(sim.counts(name)['PUT /nodes/{node}/lxc/{vmid}/config'] ?? 0).toBe(
      guests.filter((g) => g.type === 'lxc').length,
    );
    for (const g of all.filter((x) => x.config.lock !== undefined))
      expect(markerUid(String(g.config.description ?? ''))).toBeUndefined();
    for (const g of guests) {
      const notes = String(g.config.description ?? '');
      const doc = tagged.guests.get(`${name}/${g.vmid}`)!;
      expect(markerUid(notes)).toBe(doc.uid);
      // The user's text is kept, and the stored notes do not show the marker.
      expect(stripMarker(notes)).toBe(textBefore.get(g.vmid));
      expect(doc.notes).toBe(textBefore.get(g.vmid));
    }
    // A second crawl writes nothing: every marker is in place.
    sim.resetCounts();
    const again = await crawl();
    expect(sim.counts(name)['PUT /nodes/{node}/qemu/{vmid}/config'] ?? 0).toBe(0);
    expect(sim.counts(name)['PUT /nodes/{node}/lxc/{vmid}/config'] ?? 0).toBe(0);

    // A clone that copied the notes (marker included) of another guest: flagged, and given its own uid.
    const [original, copy] = guests.filter((g) => g.type === 'qemu' && g.config.template !== 1);
    const e = sim.clusters[0]!;
    const client = new ProxmoxClient({
      kind: 'pve',
      host: e.host,
      port: e.port,
      fingerprint: e.fingerprint,
      auth: { type: 'token', tokenId: e.tokenId, secret: e.tokenSecret },
    });
    const originalUid = again.guests.get(`${name}/${original!.vmid}`)!.uid;
    await client.put(['nodes', copy!.node, 'qemu', copy!.vmid, 'config'], {
      description: withMarker('copied text', originalUid),
    });
    await client.close();
    const third = await crawl();
    const flagged = third.guests.get(`${name}/${copy!.vmid}`)!;
    expect(third.guests.get(`${name}/${original!.vmid}`)!.uid).toBe(originalUid);
    expect(flagged.duplicateOf).toBe(originalUid);
    expect(flagged.uid).not.toBe(originalUid);
    const notes = String(sim.truth().clusters[0]!.guests.find((g) => g.vmid === copy!.vmid)!.config.description);
    expect(markerUid(notes)).toBe(flagged.uid);
    expect(stripMarker(notes)).toBe('copied text');
  }, 120_000);

  it('writes the marker with the config digest: a concurrent edit is kept, not overwritten', async () => {
    const e = sim.clusters[1]!;
    const target = sim
      .truth()
      .clusters[1]!.guests.find((g) => g.type === 'qemu' && g.config.lock === undefined && g.config.template !== 1)!;
    const toTag = sim.truth().clusters[1]!.guests.filter((g) => g.config.lock === undefined);
    await c.db.collection('clusters_registry').updateOne({ _id: e.name as never }, { $set: { tagNotes: true } });
    // The crawler's write to the target waits 1.5 s in the server; meanwhile someone edits that guest's notes.
    const path = `/nodes/${target.node}/qemu/${target.vmid}/config`;
    const undo = sim.faults.set({ cluster: e.name, endpoint: `PUT ${path}` }, { latencyMs: 1500 });
    sim.resetCounts();
    const client = new ProxmoxClient({
      kind: 'pve',
      host: e.host,
      port: e.port,
      fingerprint: e.fingerprint,
      auth: { type: 'token', tokenId: e.tokenId, secret: e.tokenSecret },
    });
    const puts = () =>
      (sim.counts(e.name)['PUT /nodes/{node}/qemu/{vmid}/config'] ?? 0) +
      (sim.counts(e.name)['PUT /nodes/{node}/lxc/{vmid}/config'] ?? 0);
    const edit = (async () => {
      while (puts() < toTag.length) await new Promise((r) => setTimeout(r, 5));
      const upid = await client.post<string>(['nodes', target.node, 'qemu', target.vmid, 'config'], {
        description: 'edited meanwhile',
      });
      await client.waitForTask(upid, { timeoutMs: 5000 });
    })();
    try {
      const [result] = await Promise.all([crawl(), edit]);
      const notes = String(sim.truth().clusters[1]!.guests.find((g) => g.vmid === target.vmid)!.config.description);
      expect(stripMarker(notes)).toBe('edited meanwhile');
      expect(markerUid(notes)).toBe(result.guests.get(`${e.name}/${target.vmid}`)!.uid);
      // One write refused for its stale digest, then the config read again and written once more.
      expect(sim.counts(e.name)['PUT /nodes/{node}/qemu/{vmid}/config']).toBe(
        toTag.filter((g) => g.type === 'qemu').length + 1,
      );
    } finally {
      undo();
      await client.close();
    }
  }, 120_000);
});
