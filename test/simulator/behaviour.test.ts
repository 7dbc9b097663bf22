import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEnabled, type GuestTruth, guestLock, guestTemplate } from './estate.ts';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { call, data, waitTask } from './test-client.ts';

const TASK_MS = 150;

describe('simulator PVE behaviour', () => {
  let sim: Simulator;
  let ep: SimEndpoint;
  const guests = () => sim.truth().clusters[0]!.guests;
  const guest = (vmid: number) => guests().find((g) => g.vmid === vmid)!;
  const find = (f: (g: GuestTruth) => boolean) => {
    const g = guests().find(f);
    if (!g) throw new Error('no such guest in the tiny estate');
    return g;
  };
  const plain = (g: GuestTruth) => !guestTemplate(g) && !guestLock(g) && !g.ha;
  const other = (node: string) => ep.nodes.find((n) => n !== node)!;

  beforeAll(async () => {
    sim = await startSimulator({
      preset: 'tiny',
      seed: 5,
      unauthorizedDelayMs: 10,
      taskDurationMs: TASK_MS,
      haDelayMs: 60,
    });
    ep = sim.clusters[0]!;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  describe('errors', () => {
    it('a missing guest is a 500 naming the config file, with the message as reason phrase', async () => {
      const r = await call(ep, 'GET', `/nodes/${ep.nodes[0]}/qemu/999/config`);
      expect(r.status).toBe(500);
      expect(r.reason).toBe(`Configuration file 'nodes/${ep.nodes[0]}/qemu-server/999.conf' does not exist`);
      expect(r.json).toEqual({
        data: null,
        message: `Configuration file 'nodes/${ep.nodes[0]}/qemu-server/999.conf' does not exist\n`,
      });
      expect(r.headers.connection).toBe('close');
      const ct = await call(ep, 'GET', `/nodes/${ep.nodes[0]}/lxc/999/status/current`);
      expect(ct.reason).toBe(`Configuration file 'nodes/${ep.nodes[0]}/lxc/999.conf' does not exist`);
    });

    it('a guest asked on the wrong node is missing there too', async () => {
      const g = find((x) => x.type === 'qemu');
      const r = await call(ep, 'GET', `/nodes/${other(g.node)}/qemu/${g.vmid}/config`);
      expect(r.status).toBe(500);
    });

    it('parameter errors are 400 with the errors map; "true" is not a boolean, 1 and JSON true are', async () => {
      const node = ep.nodes[0];
      const r = await call(ep, 'GET', `/nodes/${node}/qemu?full=true`);
      expect(r.status).toBe(400);
      expect(r.reason).toBe('Parameter verification failed.');
      expect(r.json).toMatchObject({ data: null, errors: { full: "type check ('boolean') failed - got 'true'" } });
      expect((await call(ep, 'GET', `/nodes/${node}/qemu?full=1`)).status).toBe(200);
      const unknown = await call(ep, 'GET', '/cluster/resources?kind=vm');
      expect(unknown.json).toMatchObject({
        errors: { kind: 'property is not defined in schema and the schema does not allow additional properties' },
      });
      const badEnum = await call(ep, 'GET', '/cluster/resources?type=vms');
      expect(badEnum.status).toBe(400);
      const badVmid = await call(ep, 'GET', `/nodes/${node}/qemu/abc/config`);
      expect(badVmid.json).toMatchObject({ errors: { vmid: expect.stringContaining('integer') } });
      const g = find((x) => x.type === 'qemu' && plain(x) && x.status === 'stopped');
      const json = await call(ep, 'POST', `/nodes/${g.node}/qemu/${g.vmid}/migrate`, {
        body: { target: other(g.node), online: true },
        json: true,
      });
      expect(json.status).toBe(200);
      await waitTask(ep, g.node, data<string>(json));
      const missing = await call(ep, 'POST', `/nodes/${other(g.node)}/qemu/${g.vmid}/migrate`, { body: {} });
      expect(missing.json).toMatchObject({ errors: { target: 'property is missing and it is not optional' } });
    });

    it('unknown paths are 501, unknown nodes 500, lxc has no reset', async () => {
      const r = await call(ep, 'GET', '/nodes/x/nothing');
      expect(r.status).toBe(501);
      expect(r.reason).toBe(`Method 'GET /nodes/x/nothing' not implemented`);
      const node = await call(ep, 'GET', '/nodes/nosuchnode/qemu');
      expect(node.status).toBe(500);
      expect(node.reason).toContain(`hostname lookup 'nosuchnode' failed`);
      const ct = find((x) => x.type === 'lxc');
      const reset = await call(ep, 'POST', `/nodes/${ct.node}/lxc/${ct.vmid}/status/reset`);
      expect(reset.status).toBe(501);
    });

    it('agent errors are 500s: not configured, not running, agent not answering', async () => {
      const noAgent = find((x) => x.type === 'qemu' && !agentEnabled(x));
      const a = await call(ep, 'GET', `/nodes/${noAgent.node}/qemu/${noAgent.vmid}/agent/network-get-interfaces`);
      expect([a.status, a.reason]).toEqual([500, 'No QEMU guest agent configured']);
      const silent = find((x) => agentEnabled(x) && !x.agentInstalled && x.status === 'running');
      const b = await call(ep, 'GET', `/nodes/${silent.node}/qemu/${silent.vmid}/agent/network-get-interfaces`);
      expect([b.status, b.reason]).toEqual([500, 'QEMU guest agent is not running']);
      const answering = find((x) => agentEnabled(x) && x.agentInstalled && x.status === 'running');
      const c = data<{
        result: { name: string; 'hardware-address': string; 'ip-addresses': { 'ip-address': string }[] }[];
      }>(await call(ep, 'GET', `/nodes/${answering.node}/qemu/${answering.vmid}/agent/network-get-interfaces`));
      const mac = /=([0-9A-F:]{17})/.exec(String(answering.config.net0))![1]!.toLowerCase();
      expect(c.result.map((i) => i['hardware-address'])).toContain(mac);
      expect(c.result.flatMap((i) => i['ip-addresses'].map((x) => x['ip-address']))).toContain('127.0.0.1');
    });
  });

  describe('tasks and lifecycle', () => {
    it('start runs a qmstart task, the status changes afterwards, a second start fails inside the task', async () => {
      const g = find((x) => x.type === 'qemu' && plain(x) && x.status === 'stopped');
      const upid = data<string>(await call(ep, 'POST', `/nodes/${g.node}/qemu/${g.vmid}/status/start`));
      expect(upid).toMatch(
        new RegExp(`^UPID:${g.node}:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:qmstart:${g.vmid}:root@pam!strata:$`),
      );
      const running = data<{ status: string }>(
        await call(ep, 'GET', `/nodes/${g.node}/tasks/${encodeURIComponent(upid)}/status`),
      );
      expect(running.status).toBe('running');
      expect(guest(g.vmid).status).toBe('stopped');
      const done = await waitTask(ep, g.node, upid);
      expect(done).toMatchObject({
        status: 'stopped',
        exitstatus: 'OK',
        type: 'qmstart',
        id: String(g.vmid),
        user: 'root@pam',
        tokenid: 'strata',
      });
      expect(guest(g.vmid).status).toBe('running');
      const cur = data<{ status: string; qmpstatus: string }>(
        await call(ep, 'GET', `/nodes/${g.node}/qemu/${g.vmid}/status/current`),
      );
      expect(cur.status).toBe('running');
      const again = await waitTask(
        ep,
        g.node,
        data<string>(await call(ep, 'POST', `/nodes/${g.node}/qemu/${g.vmid}/status/start`)),
      );
      expect(again.exitstatus).toBe(`VM ${g.vmid} already running`);
      const log = data<{ n: number; t: string }[]>(
        await call(ep, 'GET', `/nodes/${g.node}/tasks/${encodeURIComponent(again.upid as string)}/log`),
      );
      expect(log.at(-1)?.t).toBe(`TASK ERROR: VM ${g.vmid} already running`);
      const list = data<{ upid: string; status?: string }[]>(await call(ep, 'GET', `/nodes/${g.node}/tasks`));
      expect(list.find((t) => t.upid === upid)?.status).toBe('OK');
    });

    it('unknown UPIDs: 400 when malformed, 500 when no such task', async () => {
      const node = ep.nodes[0];
      const bad = await call(ep, 'GET', `/nodes/${node}/tasks/nonsense/status`);
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ errors: { upid: 'unable to parse worker upid' } });
      const unknown = await call(
        ep,
        'GET',
        `/nodes/${node}/tasks/${encodeURIComponent(`UPID:${node}:00001234:00001234:6B000000:qmstart:100:root@pam:`)}/status`,
      );
      expect(unknown.status).toBe(500);
    });

    it('locked guests and templates', async () => {
      const locked = find((x) => guestLock(x) === 'backup' && x.type === 'qemu');
      const t = await waitTask(
        ep,
        locked.node,
        data<string>(await call(ep, 'POST', `/nodes/${locked.node}/qemu/${locked.vmid}/status/shutdown`)),
      );
      expect(t.exitstatus).toBe(`VM ${locked.vmid} is locked (backup)`);
      const tmpl = find((x) => guestTemplate(x));
      const r = await call(ep, 'POST', `/nodes/${tmpl.node}/${tmpl.type}/${tmpl.vmid}/status/start`);
      expect([r.status, r.reason]).toEqual([500, `you can't start a vm if it's a template`]);
    });

    it('HA-managed guests get hastart/hastop tasks and change state a little later', async () => {
      const g = find((x) => x.ha !== undefined && x.status === 'running');
      const upid = data<string>(await call(ep, 'POST', `/nodes/${g.node}/${g.type}/${g.vmid}/status/stop`));
      expect(upid).toContain(':hastop:');
      const done = await waitTask(ep, g.node, upid);
      expect(done.exitstatus).toBe('OK');
      expect(guest(g.vmid).ha?.state).toBe('stopped');
      expect(guest(g.vmid).status).toBe('running');
      const ha = data<{ sid?: string; request_state?: string }[]>(await call(ep, 'GET', '/cluster/ha/status/current'));
      expect(ha.find((r) => r.sid?.endsWith(`:${g.vmid}`))?.request_state).toBe('stopped');
      await new Promise((r) => setTimeout(r, 120));
      expect(guest(g.vmid).status).toBe('stopped');
      const start = await waitTask(
        ep,
        g.node,
        data<string>(await call(ep, 'POST', `/nodes/${g.node}/${g.type}/${g.vmid}/status/start`)),
      );
      expect(start.type).toBe('hastart');
    });

    it('migrate moves the guest and its local disks; running CTs need restart', async () => {
      const vm = find((x) => x.type === 'qemu' && plain(x) && x.status === 'running');
      await waitTask(
        ep,
        vm.node,
        data<string>(await call(ep, 'POST', `/nodes/${vm.node}/qemu/${vm.vmid}/status/stop`)),
      );
      const from = vm.node;
      const to = other(from);
      const r = await call(ep, 'POST', `/nodes/${from}/qemu/${vm.vmid}/migrate`, { body: { target: to } });
      const st = await waitTask(ep, from, data<string>(r));
      const truth = sim.truth().clusters[0]!;
      const localVols = truth.volumes.filter(
        (v) => v.vmid === vm.vmid && v.node && (v.content === 'images' || v.content === 'rootdir'),
      );
      if (st.exitstatus === 'OK') {
        expect(guest(vm.vmid).node).toBe(to);
        expect(localVols.every((v) => v.node === to)).toBe(true);
        expect((await call(ep, 'GET', `/nodes/${to}/qemu/${vm.vmid}/config`)).status).toBe(200);
        expect((await call(ep, 'GET', `/nodes/${from}/qemu/${vm.vmid}/config`)).status).toBe(500);
      } else {
        expect(st.exitstatus).toMatch(/^storage '.+' is not available on node/);
        expect(guest(vm.vmid).node).toBe(from);
      }
      const same = await call(ep, 'POST', `/nodes/${guest(vm.vmid).node}/qemu/${vm.vmid}/migrate`, {
        body: { target: guest(vm.vmid).node },
      });
      expect(same.json).toMatchObject({ errors: { target: 'target is local node.' } });
      const ct = find((x) => x.type === 'lxc' && plain(x) && x.status === 'running');
      const refused = await call(ep, 'POST', `/nodes/${ct.node}/lxc/${ct.vmid}/migrate`, {
        body: { target: other(ct.node) },
      });
      expect([refused.status, refused.reason]).toEqual([500, 'running container can only be migrated in restart mode']);
      const online = await call(ep, 'POST', `/nodes/${ct.node}/lxc/${ct.vmid}/migrate`, {
        body: { target: other(ct.node), online: 1 },
      });
      expect(online.reason).toBe('lxc live migration is currently not implemented');
      const restart = await call(ep, 'POST', `/nodes/${ct.node}/lxc/${ct.vmid}/migrate`, {
        body: { target: other(ct.node), restart: 1 },
      });
      expect(data<string>(restart)).toContain(':vzmigrate:');
      await waitTask(
        ep,
        guest(vm.vmid).node,
        data<string>(await call(ep, 'POST', `/nodes/${guest(vm.vmid).node}/qemu/${vm.vmid}/status/start`)),
      );
      const runningVm = guest(vm.vmid);
      const vmRefused = await call(ep, 'POST', `/nodes/${runningVm.node}/qemu/${runningVm.vmid}/migrate`, {
        body: { target: other(runningVm.node) },
      });
      expect(vmRefused.reason).toBe(`can't migrate running VM without --online`);
    });
  });

  describe('config writes', () => {
    it('GET returns a digest; PUT with a stale digest fails as PVE does; notes keep unicode and markup', async () => {
      const vm = find((x) => x.type === 'qemu' && plain(x));
      const path = `/nodes/${guest(vm.vmid).node}/qemu/${vm.vmid}/config`;
      const cfg = data<Record<string, unknown>>(await call(ep, 'GET', path));
      expect(cfg.digest).toMatch(/^[0-9a-f]{40}$/);
      expect(cfg.vmid).toBeUndefined();
      expect(String(cfg.meta)).toMatch(/^creation-qemu=[\d.]+,ctime=\d+$/);
      const note = '<script>alert(1)</script> "quotes" & ✓ 🚀\nsecond line';
      expect((await call(ep, 'PUT', path, { body: { description: note, digest: String(cfg.digest) } })).status).toBe(
        200,
      );
      const after = data<Record<string, unknown>>(await call(ep, 'GET', path));
      expect(after.description).toBe(note);
      expect(after.digest).not.toBe(cfg.digest);
      const stale = await call(ep, 'PUT', path, { body: { description: 'lost update', digest: String(cfg.digest) } });
      expect([stale.status, stale.reason]).toEqual([500, 'checksum mismatch (file change by other user?)']);
      const asyncStale = data<string>(
        await call(ep, 'POST', path, { body: { description: 'lost', digest: String(cfg.digest) } }),
      );
      expect((await waitTask(ep, guest(vm.vmid).node, asyncStale)).exitstatus).toBe(
        'checksum mismatch (file change by other user?)',
      );
      const del = await call(ep, 'PUT', path, { body: { delete: 'description' } });
      expect(del.status).toBe(200);
      expect(guest(vm.vmid).config.description).toBeUndefined();

      const ct = find((x) => x.type === 'lxc' && plain(x));
      const ctPath = `/nodes/${guest(ct.vmid).node}/lxc/${ct.vmid}/config`;
      const ctStale = await call(ep, 'PUT', ctPath, { body: { description: 'x', digest: '0'.repeat(40) } });
      expect(ctStale.reason).toBe('detected modified configuration - file changed by other user? Try again.');
    });
  });

  describe('views', () => {
    it('cluster resources list guests, nodes, storages (one row per node) and pools; numbers and 0/1 booleans', async () => {
      const rows = data<Record<string, unknown>[]>(await call(ep, 'GET', '/cluster/resources'));
      const truth = sim.truth().clusters[0]!;
      expect(rows.filter((r) => r.type === 'qemu' || r.type === 'lxc')).toHaveLength(truth.guests.length);
      expect(rows.filter((r) => r.type === 'pool').map((r) => r.id)).toEqual(
        truth.pools.map((p) => `/pool/${p.poolid}`),
      );
      expect(rows.filter((r) => r.type === 'node')).toHaveLength(truth.nodes.length);
      const storageRows = rows.filter((r) => r.type === 'storage');
      expect(storageRows.filter((r) => r.storage === 'nfs')).toHaveLength(truth.nodes.length);
      expect(new Set(storageRows.filter((r) => r.storage === 'nfs').map((r) => r.disk)).size).toBe(1);
      const tmpl = rows.find((r) => r.template === 1);
      expect(tmpl).toBeDefined();
      const vmOnly = data<Record<string, unknown>[]>(await call(ep, 'GET', '/cluster/resources?type=vm'));
      expect(vmOnly.every((r) => r.type === 'qemu' || r.type === 'lxc')).toBe(true);
      const ha = rows.find((r) => r.hastate);
      expect(ha).toBeDefined();
    });

    it('storage content has images, unattached volumes, vzdump backups with notes, and PBS snapshots', async () => {
      const truth = sim.truth().clusters[0]!;
      const node = truth.nodes[0]!.name;
      const nfs = data<{ volid: string; content: string; vmid?: number; subtype?: string; format: string }[]>(
        await call(ep, 'GET', `/nodes/${node}/storage/nfs/content?content=backup`),
      );
      expect(nfs.length).toBeGreaterThan(0);
      expect(
        nfs.every(
          (v) =>
            v.content === 'backup' &&
            /^nfs:backup\/vzdump-(qemu|lxc)-\d+-\d{4}_\d\d_\d\d-\d\d_\d\d_\d\d\.(vma|tar)\.zst$/.test(v.volid),
        ),
      ).toBe(true);
      const vmids = new Set(truth.guests.map((g) => g.vmid));
      expect(nfs.some((v) => !vmids.has(v.vmid!))).toBe(true);
      const pbs = data<{ volid: string; format: string; verification?: unknown }[]>(
        await call(ep, 'GET', `/nodes/${node}/storage/pbs/content`),
      );
      expect(pbs.length).toBeGreaterThan(0);
      expect(pbs[0]!.volid).toMatch(/^pbs:backup\/(vm|ct)\/\d+\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const referenced = new Set(
        truth.guests.flatMap((g) => Object.values(g.config).map((v) => String(v).split(',')[0])),
      );
      const images = truth.volumes.filter((v) => v.content === 'images' || v.content === 'rootdir');
      expect(images.some((v) => !referenced.has(v.volid))).toBe(true);
      const byVmid = data<{ vmid: number }[]>(
        await call(
          ep,
          'GET',
          `/nodes/${node}/storage/pbs/content?vmid=${pbs.length ? Number(pbs[0]!.volid.split('/')[2]) : 0}`,
        ),
      );
      expect(byVmid.every((v) => v.vmid === Number(pbs[0]!.volid.split('/')[2]))).toBe(true);
    });
  });
});
