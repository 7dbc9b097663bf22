/**
 * One Prometheus round against prometheus-pve-exporter, as its docs set a cluster up: one `cluster=1&node=0`
 * scrape per cluster (its first node's address) and one `cluster=0&node=1` scrape per node (that node's own address,
 * so its config collector reads that node's guests), all sent at once as Prometheus scrapes its targets in parallel.
 */
import { Agent, get } from 'node:http';
import type { SimEndpoint } from '../../test/simulator/index.ts';

export interface Target {
  url: string;
  cluster: string;
  /** Set for node scrapes. */
  node?: string;
  /** Node scrapes: guests on the node whose config sets onboot; cluster scrapes: guests in the cluster. */
  expected: number;
}

export interface Scrape {
  target: Target;
  status: number;
  body: string;
  /** From sending the request to the last byte, waiting for a free exporter thread included. */
  ms: number;
}

/** `perNode` maps 'cluster/node' to the node's guests and those with onboot set. */
export function roundTargets(
  exporterPort: number,
  clusters: SimEndpoint[],
  perNode: Record<string, { guests: number; onboot: number }>,
): Target[] {
  const url = (module: string, port: number, cluster: number, node: number) =>
    `http://127.0.0.1:${exporterPort}/pve?module=${encodeURIComponent(module)}&target=127.0.0.1:${port}&cluster=${cluster}&node=${node}`;
  const out: Target[] = [];
  for (const c of clusters) {
    const guests = c.nodes.reduce((n, node) => n + (perNode[`${c.name}/${node}`]?.guests ?? 0), 0);
    out.push({ url: url(c.name, c.port, 1, 0), cluster: c.name, expected: guests });
    for (const node of c.nodes) {
      const port = c.nodePorts?.[node];
      if (port === undefined) throw new Error(`simulator started without node listeners (${c.name}/${node})`);
      out.push({
        url: url(c.name, port, 0, 1),
        cluster: c.name,
        node,
        expected: perNode[`${c.name}/${node}`]?.onboot ?? 0,
      });
    }
  }
  return out;
}

export function scrape(url: string, agent?: Agent): Promise<{ status: number; body: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    get(url, { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: Buffer.concat(chunks).toString('utf8'),
          ms: performance.now() - t0,
        }),
      );
      res.on('error', reject);
    }).on('error', reject);
  });
}

/** Every target at once, each on its own connection (no client-side limit or timeout). */
export async function runRound(targets: Target[]): Promise<{ wallMs: number; scrapes: Scrape[] }> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const t0 = performance.now();
  try {
    const scrapes = await Promise.all(
      targets.map(async (target) => ({ target, ...(await scrape(target.url, agent)) })),
    );
    return { wallMs: performance.now() - t0, scrapes };
  } finally {
    agent.destroy();
  }
}

/** Samples of a metric in Prometheus text format, optionally only those with label `name="value"`. */
export function samples(body: string, metric: string, label?: [string, string]): number {
  let n = 0;
  for (const line of body.split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    if (label && !line.includes(`${label[0]}="${label[1]}"`)) continue;
    n++;
  }
  return n;
}

/** What is wrong with a scrape's answer, or undefined: 200, and the node's onboot samples or the cluster's guests. */
export function scrapeProblem(s: Scrape): string | undefined {
  const where = s.target.node ? `${s.target.cluster}/${s.target.node}` : s.target.cluster;
  if (s.status !== 200) return `${where}: HTTP ${s.status} ${s.body.slice(0, 200)}`;
  const [metric, got] = s.target.node
    ? ['pve_onboot_status', samples(s.body, 'pve_onboot_status', ['node', s.target.node])]
    : ['pve_guest_info', samples(s.body, 'pve_guest_info')];
  if (got !== s.target.expected) return `${where}: ${got} ${metric} samples, expected ${s.target.expected}`;
  return undefined;
}

/** Sum and count of the exporter's own pve_collection_duration_seconds over all modules, from its /metrics. */
export function collectionSeconds(metrics: string): { sum: number; count: number } {
  let sum = 0;
  let count = 0;
  for (const line of metrics.split('\n')) {
    const m = /^pve_collection_duration_seconds_(sum|count)\{[^}]*\} (\S+)$/.exec(line);
    if (m?.[1] === 'sum') sum += Number(m[2]);
    if (m?.[1] === 'count') count += Number(m[2]);
  }
  return { sum, count };
}
