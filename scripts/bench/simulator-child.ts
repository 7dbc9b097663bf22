/**
 * The simulator in a process of its own for the crawl benchmark, so the crawler's peak RSS is its own.
 * Started with fork(); sends `{type:'ready', clusters, pbs, summary}` (the truth stays here), stops on `stop`,
 * answers `cpu` and `counts` (requests per endpoint template, all clusters), and profiles its CPU between
 * `profile-start` and `profile-stop`. Every PVE node has its own listener
 * too (endpoint.nodePorts), for the prometheus-pve-exporter round; the crawl uses the cluster listeners.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import pLimit from 'p-limit';
import { Agent, request } from 'undici';
import { storageOnNode } from '../../test/simulator/generate.ts';
import { type SimEndpoint, startSimulator } from '../../test/simulator/index.ts';

const args = JSON.parse(process.argv[2] ?? '{}') as {
  preset: 'tiny' | 'small' | 'medium' | 'large';
  seed: number;
  latencyMs: number;
  nodeConcurrency: number;
};

const sim = await startSimulator({
  preset: args.preset,
  seed: args.seed,
  latencyMs: args.latencyMs,
  nodeConcurrency: args.nodeConcurrency,
  nodeListeners: true,
});

await warmUp(sim.clusters[0]!);

const truth = sim.truth();
let guests = 0;
let nodes = 0;
// Per 'cluster/node': its guests and those whose config sets onboot (the exporter's pve_onboot_status samples).
const perNode: Record<string, { guests: number; onboot: number }> = {};
// HyperProxmox, per cluster: the node list; per node its qemu and lxc lists and storage list, then every
// storage's content on that node (shared ones again on every node); per guest status/current and config.
let hyperCalls = 0;
for (const c of truth.clusters) {
  guests += c.guests.length;
  nodes += c.nodes.length;
  for (const n of c.nodes) {
    const on = c.guests.filter((g) => g.node === n.name);
    perNode[`${c.name}/${n.name}`] = { guests: on.length, onboot: on.filter((g) => 'onboot' in g.config).length };
  }
  hyperCalls += 1;
  for (const n of c.nodes) {
    hyperCalls += 3;
    hyperCalls += c.storages.filter((s) => storageOnNode(s, n.name)).length;
  }
  hyperCalls += 2 * c.guests.length;
}

process.send?.({
  type: 'ready',
  clusters: sim.clusters,
  pbs: sim.pbs,
  summary: { guests, nodes, hyperCalls, perNode },
});
const stop = () => {
  sim.stop().finally(() => process.exit(0));
};
// The crawl benchmark's --cpu-prof: a CPU profile of the simulator over the crawl only.
const profiler = new Session();
process.on('message', async (m: { type: string; file?: string }) => {
  if (m.type === 'stop') stop();
  if (m.type === 'profile-start') {
    profiler.connect();
    await profiler.post('Profiler.enable');
    await profiler.post('Profiler.start');
    process.send?.({ type: 'profile-started' });
  }
  if (m.type === 'profile-stop') {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(m.file!, JSON.stringify(profile));
    profiler.disconnect();
    process.send?.({ type: 'profile-stopped' });
  }
  if (m.type === 'cpu') process.send?.({ type: 'cpu', cpu: process.cpuUsage() });
  if (m.type === 'counts') process.send?.({ type: 'counts', counts: sim.counts() });
});
process.on('disconnect', stop);

/**
 * Proxmox's API daemons are long-running processes whose code is warm; a freshly started simulator would make
 * the first crawl pay for its JIT. So before it is measured, it answers a few rounds of the calls a crawl makes
 * (the guest list and every guest config of one cluster), sent from here: the crawler process stays cold.
 */
async function warmUp(ep: SimEndpoint): Promise<void> {
  const agent = new Agent({ connections: 16, connect: { rejectUnauthorized: false } });
  const headers = { authorization: `PVEAPIToken=${ep.tokenId}=${ep.tokenSecret}` };
  const get = async (path: string) => {
    const r = await request(`https://${ep.host}:${ep.port}/api2/json${path}`, { dispatcher: agent, headers });
    const body = (await r.body.json()) as { data: unknown };
    if (r.statusCode !== 200) throw new Error(`simulator warm-up: ${path} answered ${r.statusCode}`);
    return body.data;
  };
  try {
    const guests = (await get('/cluster/resources?type=vm')) as { node: string; type: string; vmid: number }[];
    const limit = pLimit(16);
    for (let round = 0; round < 4; round++) {
      await Promise.all(guests.map((g) => limit(() => get(`/nodes/${g.node}/${g.type}/${g.vmid}/config`))));
    }
  } finally {
    await agent.close();
  }
}
