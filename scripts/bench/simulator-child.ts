/**
 * The simulator in a process of its own for the crawl benchmark, so the crawler's peak RSS is its own.
 * Started with fork(); sends `{type:'ready', clusters, pbs, summary}` (the truth stays here), stops on `stop`.
 */
import { storageOnNode } from '../../test/simulator/generate.ts';
import { startSimulator } from '../../test/simulator/index.ts';

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
});

const truth = sim.truth();
let guests = 0;
let nodes = 0;
// HyperProxmox, per cluster: the node list; per node its qemu and lxc lists and storage list, then every
// storage's content on that node (shared ones again on every node); per guest status/current and config.
let hyperCalls = 0;
for (const c of truth.clusters) {
  guests += c.guests.length;
  nodes += c.nodes.length;
  hyperCalls += 1;
  for (const n of c.nodes) {
    hyperCalls += 3;
    hyperCalls += c.storages.filter((s) => storageOnNode(s, n.name)).length;
  }
  hyperCalls += 2 * c.guests.length;
}

process.send?.({ type: 'ready', clusters: sim.clusters, pbs: sim.pbs, summary: { guests, nodes, hyperCalls } });
const stop = () => {
  sim.stop().finally(() => process.exit(0));
};
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') stop();
  if (m.type === 'cpu') process.send?.({ type: 'cpu', cpu: process.cpuUsage() });
});
process.on('disconnect', stop);
