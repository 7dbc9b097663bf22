import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentAnswers, type GuestTruth, guestLock, guestTemplate } from './estate.ts';
import { pveSchema } from './http/params.ts';
import { type SimEndpoint, type Simulator, startSimulator } from './index.ts';
import { checkAgainstSchema } from './schema-check.ts';
import { call, waitTask } from './test-client.ts';

/**
 * Fidelity proof (1): every PVE endpoint the simulator serves that is in the schema subset is called and its
 * response checked against the schema's `returns` (non-strict). The test fails if a served endpoint is left out.
 */
describe('PVE responses match the API schema', () => {
  let sim: Simulator;
  let ep: SimEndpoint;
  const checked = new Set<string>();
  const problems: string[] = [];

  /** Calls an endpoint, expects 200, checks the data against the schema entry of the template. */
  async function check(
    method: 'GET' | 'POST' | 'PUT',
    template: string,
    values: Record<string, string | number>,
    opts: { body?: Record<string, string | number>; query?: string; token?: boolean } = {},
  ) {
    const path = template.replace(/\{(\w+)\}/g, (_, k: string) => encodeURIComponent(String(values[k])));
    const r = await call(ep, method, `${path}${opts.query ? `?${opts.query}` : ''}`, {
      body: opts.body,
      token: opts.token,
    });
    expect(r.status, `${method} ${path}: ${r.text.slice(0, 200)}`).toBe(200);
    const returns = pveSchema()[template]?.[method]?.returns;
    expect(returns, `schema for ${method} ${template}`).toBeDefined();
    const found = checkAgainstSchema(returns, (r.json as { data: unknown }).data);
    problems.push(...found.map((p) => `${method} ${template}: ${p}`));
    checked.add(`${method} ${template}`);
    return (r.json as { data: unknown }).data;
  }

  beforeAll(async () => {
    sim = await startSimulator({ preset: 'tiny', seed: 7, unauthorizedDelayMs: 10, taskDurationMs: 20, haDelayMs: 20 });
    ep = sim.clusters[0] as SimEndpoint;
  });
  afterAll(async () => {
    await sim?.stop();
  });

  it('covers every served endpoint that the schema knows, with conforming data', async () => {
    const truth = sim.truth().clusters[0]!;
    const node = truth.nodes[0]!.name;
    const find = (f: (g: GuestTruth) => boolean) => {
      const g = truth.guests.find(f);
      if (!g) throw new Error('no guest for the contract test');
      return g;
    };
    const plain = (g: GuestTruth) => !guestTemplate(g) && !guestLock(g) && !g.ha;
    const vm = find((g) => g.type === 'qemu' && plain(g) && g.status === 'stopped');
    const ct = find((g) => g.type === 'lxc' && plain(g) && g.status === 'stopped');
    const agentVm = find((g) => agentAnswers(g));
    const runningCt = find((g) => g.type === 'lxc' && g.status === 'running');

    await check('GET', '/access/ticket', {}, { token: false });
    await check('POST', '/access/ticket', {}, { body: { username: ep.user, password: ep.password }, token: false });
    for (const t of [
      '/version',
      '/cluster/status',
      '/cluster/nextid',
      '/cluster/ha/resources',
      '/cluster/ha/status/current',
      '/cluster/backup',
      '/pools',
      '/storage',
      '/nodes',
    ]) {
      await check('GET', t, {});
    }
    for (const type of ['vm', 'storage', 'node'])
      await check('GET', '/cluster/resources', {}, { query: `type=${type}` });
    await check('GET', '/cluster/resources', {});
    await check('GET', '/pools', {}, { query: `poolid=${truth.pools[0]!.poolid}` });
    for (const n of truth.nodes) {
      for (const t of [
        '/nodes/{node}/status',
        '/nodes/{node}/version',
        '/nodes/{node}/certificates/info',
        '/nodes/{node}/qemu',
        '/nodes/{node}/lxc',
        '/nodes/{node}/storage',
        '/nodes/{node}/tasks',
        '/nodes/{node}/subscription',
      ]) {
        await check('GET', t, { node: n.name });
      }
      await check('GET', '/nodes/{node}/qemu', { node: n.name }, { query: 'full=1' });
      for (const s of truth.storages.filter((x) => !x.nodes || x.nodes.includes(n.name))) {
        await check('GET', '/nodes/{node}/storage/{storage}/status', { node: n.name, storage: s.storage });
        await check('GET', '/nodes/{node}/storage/{storage}/content', { node: n.name, storage: s.storage });
      }
    }
    for (const g of truth.guests) {
      const v = { node: g.node, vmid: g.vmid };
      for (const sub of ['', '/config', '/status/current', '/migrate', '/snapshot'])
        await check('GET', `/nodes/{node}/${g.type}/{vmid}${sub}`, v);
    }
    await check('GET', '/nodes/{node}/qemu/{vmid}/agent/network-get-interfaces', {
      node: agentVm.node,
      vmid: agentVm.vmid,
    });
    await check('GET', '/nodes/{node}/lxc/{vmid}/interfaces', { node: runningCt.node, vmid: runningCt.vmid });

    // Lifecycle: every status action on a VM and a CT, waiting for each task.
    let lastUpid = '';
    for (const [g, actions] of [
      [vm, ['start', 'suspend', 'resume', 'reboot', 'reset', 'shutdown', 'start', 'stop']],
      [ct, ['start', 'suspend', 'resume', 'reboot', 'shutdown', 'start', 'stop']],
    ] as const) {
      for (const action of actions) {
        const upid = (await check('POST', `/nodes/{node}/${g.type}/{vmid}/status/${action}`, {
          node: g.node,
          vmid: g.vmid,
        })) as string;
        const st = await waitTask(ep, g.node, upid);
        expect(st.exitstatus, `${g.type} ${action}`).toBe('OK');
        lastUpid = upid;
      }
      await check(
        'PUT',
        `/nodes/{node}/${g.type}/{vmid}/config`,
        { node: g.node, vmid: g.vmid },
        { body: { description: 'contract ✓ <b>' } },
      );
    }
    await check('GET', '/nodes/{node}/tasks/{upid}/status', { node: ct.node, upid: lastUpid });
    await check('GET', '/nodes/{node}/tasks/{upid}/log', { node: ct.node, upid: lastUpid });
    const cfgUpid = (await check(
      'POST',
      '/nodes/{node}/qemu/{vmid}/config',
      { node: vm.node, vmid: vm.vmid },
      { body: { description: 'async' } },
    )) as string;
    expect((await waitTask(ep, vm.node, cfgUpid)).exitstatus).toBe('OK');
    const other = (g: GuestTruth) => truth.nodes.find((n) => n.name !== g.node)!.name;
    await check(
      'POST',
      '/nodes/{node}/qemu/{vmid}/migrate',
      { node: vm.node, vmid: vm.vmid },
      { body: { target: other(vm) } },
    );
    await check(
      'POST',
      '/nodes/{node}/lxc/{vmid}/migrate',
      { node: ct.node, vmid: ct.vmid },
      { body: { target: other(ct) } },
    );
    expect(node).toBeTruthy();

    expect(problems).toEqual([]);
    const schema = pveSchema();
    const served = sim.routes(ep.name).filter((key) => {
      const [method, template] = key.split(' ') as [string, string];
      return schema[template]?.[method] !== undefined;
    });
    expect(served.length).toBeGreaterThan(40);
    expect(served.filter((key) => !checked.has(key))).toEqual([]);
  });
});
