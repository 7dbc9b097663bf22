/**
 * Simulator throughput: starts a preset and crawls it like the crawler does (resources, then every guest config),
 * with keep-alive connections, client and server in this one process. Prints start time, requests/s and memory.
 *   npx tsx test/simulator/tools/bench.ts [preset] [concurrency per cluster]
 */
import { Agent, request } from 'undici';
import { startSimulator } from '../index.ts';
import { isPreset } from '../presets.ts';

const preset = process.argv[2] ?? 'large';
const perCluster = Number(process.argv[3] ?? 8);
if (!isPreset(preset)) throw new Error(`unknown preset ${preset}`);

const t0 = performance.now();
const sim = await startSimulator({ preset, seed: 1, nodeConcurrency: 4 });
const startMs = performance.now() - t0;
const rssAfterStart = process.memoryUsage().rss;

let calls = 0;
const t1 = performance.now();
await Promise.all(
  sim.clusters.map(async (ep) => {
    const agent = new Agent({ connect: { ca: ep.certPem }, connections: perCluster });
    const headers = { authorization: `PVEAPIToken=${ep.tokenId}=${ep.tokenSecret}` };
    const get = async (path: string) => {
      const r = await request(`https://127.0.0.1:${ep.port}/api2/json${path}`, { dispatcher: agent, headers });
      const body = (await r.body.json()) as { data: unknown };
      calls++;
      if (r.statusCode !== 200) throw new Error(`${path}: ${r.statusCode}`);
      return body.data;
    };
    const rows = (await get('/cluster/resources')) as { type: string; node?: string; vmid?: number }[];
    const guests = rows.filter((r) => r.type === 'qemu' || r.type === 'lxc');
    let next = 0;
    await Promise.all(
      Array.from({ length: perCluster }, async () => {
        while (next < guests.length) {
          const g = guests[next++]!;
          await get(`/nodes/${g.node}/${g.type}/${g.vmid}/config`);
        }
      }),
    );
    await agent.close();
  }),
);
const crawlMs = performance.now() - t1;
console.log(
  JSON.stringify({
    preset,
    startMs: Math.round(startMs),
    calls,
    crawlMs: Math.round(crawlMs),
    requestsPerSecond: Math.round((calls / crawlMs) * 1000),
    rssMbAfterStart: Math.round(rssAfterStart / 2 ** 20),
    rssMbAfterCrawl: Math.round(process.memoryUsage().rss / 2 ** 20),
  }),
);
await sim.stop();
