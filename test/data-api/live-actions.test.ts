import { beforeAll, describe, expect, it } from 'vitest';
import { invalidateClusterGroups } from '../../api/auth/scope.ts';
import { bearer, json } from '../api/harness.ts';
import { type GuestTruth, guestLock, guestTemplate } from '../simulator/estate.ts';
import { storageOnNode } from '../simulator/generate.ts';
import { liveEstate } from './live-support.ts';

/**
 * Lifecycle actions on the simulator, followed to completion through GET /tasks/{id}, and their failures:
 * an action the guest type lacks, a second action while one runs, a task that fails, a node offline, a
 * guest that is gone; every attempt in the audit log.
 */
const live = await liveEstate({ preset: 'small', seed: 23 });
const app = live.build();
const D1 = Math.floor(Date.now() / 1000 / 900) * 900;
let manage: Record<string, string>;
let audit: Record<string, string>;
let admin: Record<string, string>;
let otherGroup: Record<string, string>;
const cluster = () => live.sim.clusters[0]!.name;

beforeAll(async () => {
  await live.crawl(D1);
  invalidateClusterGroups(live.db);
  manage = { authorization: (await bearer(live.db, 'manage')).authorization };
  audit = { authorization: (await bearer(live.db, 'audit')).authorization };
  admin = { authorization: (await bearer(live.db, 'admin')).authorization };
  otherGroup = { authorization: (await bearer(live.db, 'manage', `g-${live.sim.clusters[1]!.name}`)).authorization };
}, 120_000);

type Row = Record<string, unknown>;
async function post(p: string, body: unknown, headers = manage) {
  const res = await app.request(p, json('POST', body, headers));
  return { status: res.status, body: (await res.json()) as Row & { error?: { code: string; message: string } } };
}
async function get(p: string, headers = manage) {
  const res = await app.request(p, { headers });
  return { status: res.status, body: (await res.json()) as Row & { error?: { code: string; message: string } } };
}
const guests = () => live.sim.truth().clusters.find((c) => c.name === cluster())!.guests;
const liveGuest = (vmid: number) => guests().find((g) => g.vmid === vmid);
const plain = (g: GuestTruth) => !guestTemplate(g) && !g.ha && !guestLock(g);

async function uidOf(vmid: number): Promise<string> {
  const r = await get(`/api/v1/inventory/instances?cluster=${cluster()}&q=vmid:${vmid}&fields=uid`, audit);
  return String((r.body.items as Row[])[0]?.uid);
}

async function untilStopped(taskId: string): Promise<Row> {
  for (let i = 0; i < 100; i++) {
    const t = await get(`/api/v1/tasks/${taskId}`, audit);
    expect(t.status).toBe(200);
    if (t.body.status === 'stopped') return t.body;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`task ${taskId} did not stop`);
}

describe('lifecycle actions', () => {
  it('starts a stopped VM by uid and follows the task to OK; the guest then runs', async () => {
    const g = guests().find((x) => x.type === 'qemu' && x.status === 'stopped' && plain(x))!;
    const uid = await uidOf(g.vmid);
    const r = await post(`/api/v1/guests/${uid}/actions/start`, {});
    expect(r.status).toBe(202);
    expect(r.body).toMatchObject({ cluster: cluster(), vmid: g.vmid, node: g.node, action: 'start' });
    expect(String(r.body.upid)).toMatch(/^UPID:.*:qmstart:/);
    // One action per guest at a time.
    const again = await post(`/api/v1/guests/${uid}/actions/stop`, {});
    expect(again.status).toBe(409);
    expect(again.body.error?.code).toBe('action_in_progress');
    expect(again.body.error?.message).toContain(String(r.body.taskId));
    const done = await untilStopped(String(r.body.taskId));
    expect(done).toMatchObject({ ok: true, exitStatus: 'OK', action: 'start', uid });
    expect(liveGuest(g.vmid)?.status).toBe('running');
    // The lock is gone with the task.
    const stop = await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/stop`, {});
    expect(stop.status).toBe(202);
    expect(await untilStopped(String(stop.body.taskId))).toMatchObject({ ok: true });
    expect(liveGuest(g.vmid)?.status).toBe('stopped');
  });

  it('reports a task that fails with its exit status', async () => {
    const g = guests().find((x) => x.type === 'qemu' && x.status === 'running' && plain(x))!;
    const r = await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/start`, {});
    expect(r.status).toBe(202);
    const done = await untilStopped(String(r.body.taskId));
    expect(done.ok).toBe(false);
    expect(done.exitStatus).toBe(`VM ${g.vmid} already running`);
  });

  it('migrates a guest to another node of its cluster, found live', async () => {
    const truth = live.sim.truth().clusters.find((c) => c.name === cluster())!;
    const movable = (x: GuestTruth, target: string) =>
      x.type === 'qemu' &&
      x.status === 'stopped' &&
      plain(x) &&
      truth.volumes
        .filter((v) => v.vmid === x.vmid)
        .every((v) => storageOnNode(truth.storages.find((s) => s.storage === v.storage)!, target));
    let g: GuestTruth | undefined;
    let target = '';
    for (const n of truth.nodes) {
      g = truth.guests.find((x) => x.node !== n.name && movable(x, n.name));
      if (g) {
        target = n.name;
        break;
      }
    }
    expect(g).toBeDefined();
    const r = await post(`/api/v1/clusters/${cluster()}/guests/${g!.vmid}/actions/migrate`, { target });
    expect(r.status).toBe(202);
    expect(String(r.body.upid)).toContain(':qmigrate:');
    expect(await untilStopped(String(r.body.taskId))).toMatchObject({ ok: true });
    expect(liveGuest(g!.vmid)?.node).toBe(target);
    // The snapshot still says the old node; the next action looks the node up live.
    const back = await post(`/api/v1/clusters/${cluster()}/guests/${g!.vmid}/actions/start`, {});
    expect(back.body.node).toBe(target);
    await untilStopped(String(back.body.taskId));
  });

  it('refuses what does not exist or does not fit, with 400 and 404', async () => {
    const ct = guests().find((x) => x.type === 'lxc' && plain(x))!;
    const vm = guests().find((x) => x.type === 'qemu' && plain(x))!;
    const base = `/api/v1/clusters/${cluster()}/guests`;
    const cases: [string, unknown, number, string][] = [
      [`${base}/${ct.vmid}/actions/reset`, {}, 400, 'action_not_supported'],
      [`${base}/${vm.vmid}/actions/explode`, {}, 400, 'unknown_action'],
      [`${base}/${vm.vmid}/actions/migrate`, {}, 400, 'missing_target'],
      [`${base}/${vm.vmid}/actions/migrate`, { target: vm.node }, 400, 'same_node'],
      [`${base}/${vm.vmid}/actions/migrate`, { target: 'nowhere' }, 400, 'unknown_target'],
      [`${base}/${vm.vmid}/actions/start`, { target: 'x' }, 400, 'unexpected_parameter'],
      [`${base}/${vm.vmid}/actions/start`, { force: true }, 400, 'bad_request'],
      [`${base}/12/actions/start`, {}, 400, 'invalid_vmid'],
      [`${base}/999999/actions/start`, {}, 404, 'guest_gone'],
      ['/api/v1/clusters/nope/guests/100/actions/start', {}, 404, 'unknown_cluster'],
      ['/api/v1/guests/not-a-uid-we-know/actions/start', {}, 404, 'unknown_guest'],
    ];
    for (const [p, body, status, code] of cases) {
      const r = await post(p, body);
      expect([p, r.status, r.body.error?.code]).toEqual([p, status, code]);
    }
    // No body at all is fine for actions without parameters (here refused for the type, after the live lookup).
    const bare = await app.request(`${base}/${ct.vmid}/actions/reset`, { method: 'POST', headers: manage });
    expect([bare.status, ((await bare.json()) as { error: { code: string } }).error.code]).toEqual([
      400,
      'action_not_supported',
    ]);
    const reset = await post(`${base}/${ct.vmid}/actions/reset`, {});
    expect(reset.body.error?.message).toContain('does not exist for a container');
  });

  it('answers 503 when the guest node is offline', async () => {
    const g = guests().find((x) => x.type === 'qemu' && plain(x))!;
    const undo = live.sim.faults.set({ cluster: cluster(), node: g.node }, { offline: true });
    try {
      const r = await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/stop`, {});
      expect(r.status).toBe(503);
      expect(r.body.error?.code).toBe('node_unreachable');
    } finally {
      undo();
    }
    // The lock was released: the same action works once the node is back.
    const ok = await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/stop`, {});
    expect(ok.status).toBe(202);
    await untilStopped(String(ok.body.taskId));
  });

  it('needs manage on the guest cluster', async () => {
    const g = guests().find((x) => plain(x))!;
    expect((await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/start`, {}, audit)).status).toBe(403);
    expect((await post(`/api/v1/clusters/${cluster()}/guests/${g.vmid}/actions/start`, {}, otherGroup)).status).toBe(
      403,
    );
    const uid = await uidOf(g.vmid);
    const byUid = await post(`/api/v1/guests/${uid}/actions/start`, {}, otherGroup);
    expect(byUid.status).toBe(404); // a guest of a cluster the caller may not see does not exist for it
    expect((await get('/api/v1/tasks/zz')).status).toBe(400);
    expect((await get('/api/v1/tasks/0123456789abcdef')).status).toBe(404);
  });

  it('audits every attempt, refused ones included, and the end of each task', async () => {
    const r = await get('/api/v1/audit?limit=500', admin);
    const items = r.body.items as Row[];
    const actions = items.filter((i) => String(i.action).startsWith('guest.'));
    expect(actions.some((i) => i.action === 'guest.start' && i.outcome === 'success')).toBe(true);
    expect(actions.some((i) => i.action === 'guest.start.finished' && i.outcome === 'failure')).toBe(true);
    expect(actions.some((i) => i.action === 'guest.reset' && i.outcome === 'failure')).toBe(true);
    expect(
      actions.some(
        (i) => i.action === 'guest.stop' && i.outcome === 'failure' && (i.details as Row).code === 'node_unreachable',
      ),
    ).toBe(true);
    expect(items.some((i) => i.outcome === 'denied')).toBe(true);
  });

  it('refuses an action on a uid whose guest is gone', async () => {
    const before = new Set(guests().map((g) => g.vmid));
    const snapshotUids = (
      await get(`/api/v1/inventory/instances?cluster=${cluster()}&limit=5000&fields=uid,vmid`, audit)
    ).body.items as Row[];
    let gone: Row | undefined;
    for (let i = 0; i < 30 && !gone; i++) {
      live.sim.advance(1);
      const now = new Map(guests().map((g) => [g.vmid, g]));
      gone = snapshotUids.find((s) => before.has(Number(s.vmid)) && !now.has(Number(s.vmid)));
    }
    expect(gone).toBeDefined();
    const r = await post(`/api/v1/guests/${String(gone!.uid)}/actions/start`, {});
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe('guest_gone');
  });
});
