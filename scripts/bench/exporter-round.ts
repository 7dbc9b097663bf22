/**
 * The side-by-side part of the crawl benchmark: prometheus-pve-exporter (its defaults, config collector on) scraped
 * for one full Prometheus round over the same simulated estate; returns the lines to print.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { SimEndpoint } from '../../test/simulator/index.ts';
import { exporterConfig, findExporter, startExporter } from './exporter.ts';
import { collectionSeconds, roundTargets, runRound, scrape, scrapeProblem } from './prometheus-round.ts';

export interface RoundInput {
  clusters: SimEndpoint[];
  perNode: Record<string, { guests: number; onboot: number }>;
  guests: number;
  crawlMs: number;
  /** Requests the simulator counted so far, per 'METHOD /template'. */
  counts(): Promise<Record<string, number>>;
  simCpuMs(): Promise<number>;
  /** A scratch directory for the exporter's config file. */
  dir: string;
  /** gunicorn worker processes instead of the exporter's default one (a what-if, not its defaults). */
  workers?: number;
}

/** Prometheus's default scrape_timeout. */
const SCRAPE_TIMEOUT_MS = 10_000;

const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export async function exporterRound(input: RoundInput): Promise<{ lines: string[]; ok: boolean }> {
  const { install, reason } = findExporter();
  if (!install) return { lines: [`prometheus-pve-exporter    skipped, not installable: ${reason}`], ok: true };
  const configFile = path.join(input.dir, 'pve.yml');
  writeFileSync(configFile, exporterConfig(input.clusters), { mode: 0o600 });
  const exporter = await startExporter(install.bin, configFile, input.workers);
  try {
    const targets = roundTargets(exporter.port, input.clusters, input.perNode);
    const countsBefore = await input.counts();
    const simBefore = await input.simCpuMs();
    const cpuBefore = exporter.cpuMs();
    const { wallMs, scrapes } = await runRound(targets);
    const exporterCpu = exporter.cpuMs() - cpuBefore;
    const simCpu = (await input.simCpuMs()) - simBefore;
    const countsAfter = await input.counts();
    const own = collectionSeconds((await scrape(`http://127.0.0.1:${exporter.port}/metrics`)).body);

    // One node scrape with nothing else running: the least a round can take, however many exporter threads.
    const busiest = targets.filter((t) => t.node).sort((a, b) => b.expected - a.expected)[0];
    const alone = busiest ? await scrape(busiest.url) : undefined;

    const calls = Object.entries(countsAfter)
      .map(([k, v]) => [k, v - (countsBefore[k] ?? 0)] as const)
      .filter(([, v]) => v > 0)
      .sort((a, b) => b[1] - a[1]);
    const total = calls.reduce((n, [, v]) => n + v, 0);
    const configCalls = calls.filter(([k]) => /\/\{vmid\}\/config$/.test(k)).reduce((n, [, v]) => n + v, 0);
    const problems = scrapes.map(scrapeProblem).filter((p): p is string => p !== undefined);
    if (configCalls !== input.guests) problems.push(`${configCalls} guest config reads, expected ${input.guests}`);
    const nodeScrapes = scrapes.filter((x) => x.target.node);
    const slowest = scrapes.reduce((a, b) => (b.ms > a.ms ? b : a));
    const slowName = slowest.target.node ?? `${slowest.target.cluster} (cluster)`;
    const onboot = nodeScrapes.reduce((n, x) => n + x.target.expected, 0);
    const workers = input.workers ?? 1;
    const served = Number(install.threads) * workers;
    const lines = [
      `prometheus-pve-exporter    ${install.version}, ${input.workers === undefined ? 'its defaults: gunicorn, 1 worker process' : `NOT its defaults: gunicorn, ${workers} worker processes (WEB_CONCURRENCY)`} x ${install.threads} threads (fixed in its cli.py) = at most ${Number.isNaN(served) ? '?' : served} scrapes served at once; every collector on (config collector included)`,
      `exporter round             ${scrapes.length} scrapes sent at once (${scrapes.length - nodeScrapes.length} cluster=1&node=0, ${nodeScrapes.length} cluster=0&node=1 on each node's own address): ${s(wallMs)}`,
      `  slowest scrape           ${s(slowest.ms)} (${slowName}; waiting for an exporter thread included), ${scrapes.filter((x) => x.ms > SCRAPE_TIMEOUT_MS).length} of ${scrapes.length} over Prometheus's default 10 s scrape_timeout`,
      `  exporter's own time      ${own.sum.toFixed(1)} s of collection in ${own.count} scrapes (mean ${(own.sum / Math.max(1, own.count)).toFixed(2)} s) = ${(own.sum / (wallMs / 1000)).toFixed(2)} scrapes in progress on average${workers > 1 ? ' (only the worker that answered /metrics: each keeps its own)' : ''}`,
      `  one node scrape alone    ${alone ? `${s(alone.ms)} (${busiest?.node}, afterwards, nothing else running)` : '-'}`,
      `  CPU during the round     exporter ${s(exporterCpu)}, simulator ${s(simCpu)}`,
      `  checks                   ${problems.length === 0 ? `all ${scrapes.length} answered 200; pve_onboot_status samples = guests with onboot set on each node (${onboot} of ${input.guests}); pve_guest_info = guests per cluster; ${configCalls} guest configs read = every guest` : `FAILED: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? ` (+${problems.length - 5} more)` : ''}`}`,
      `Proxmox calls (exporter)   ${total}  = ${(total / input.guests).toFixed(3)} per guest`,
      ...calls.map(([k, v]) => `  ${String(v).padStart(7)}  ${k}`),
      `Strata crawl / exporter    ${s(input.crawlMs)} / ${s(wallMs)} = ${(input.crawlMs / wallMs).toFixed(3)} (target < 1)`,
    ];
    if (problems.length > 0) lines.push(`exporter log (tail):\n${exporter.log().split('\n').slice(-15).join('\n')}`);
    return { lines, ok: problems.length === 0 };
  } finally {
    await exporter.stop();
  }
}
