/**
 * `npm run bench:load [-- --duration 60] [--connections 64] [--per-route 5]`: the read API under load, idle
 * and while crawls and a purge run (the scenario of test/resilience/load.test.ts, at full length). Starts
 * the local services (or uses MONGODB_URI / REDIS_URL), prints the figures for the README's Reliability
 * section. Nothing is asserted: the test does that.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../../shared/config.ts';
import { startLocalServices } from '../../shared/local-services/index.ts';
import { describeFigures, runLoadScenario } from '../../test/resilience/support/load-scenario.ts';

const opts = new Command('bench:load')
  .option('--duration <s>', 'seconds of load, idle and busy each', '60')
  .option('--connections <n>', 'concurrent connections', '64')
  .option('--old-snapshots <n>', 'older snapshots for the purge to remove', '24')
  .option('--per-route <s>', 'also load each route alone while idle for this many seconds', '0')
  .option('--crawls <how>', 'crawls in the busy run: one (at its start) or back-to-back', 'back-to-back')
  .option('--without <part>', 'leave out the crawls or the purge of the busy run: crawls | purge')
  .option('--nice <n>', 'CPU priority (nice) of the crawler and purge processes; 0: same as the API', '10')
  .option('--api-nice <n>', 'CPU priority (nice) of the API process (negative needs root)', '-5')
  .parse()
  .opts<{
    duration: string;
    connections: string;
    oldSnapshots: string;
    perRoute: string;
    nice: string;
    apiNice: string;
    crawls: 'one' | 'back-to-back';
    without?: 'crawls' | 'purge';
  }>();

const config = loadConfig({ ...process.env, STRATA_LOG_LEVEL: 'error' });
const services = await startLocalServices(config);
const logDir = mkdtempSync(path.join(os.tmpdir(), 'strata-bench-load-'));
const out = (s: string) => process.stdout.write(`${s}\n`);
try {
  out(
    `# bench:load — ${services.mongo.describe}; ${os.cpus().length} CPUs; ${opts.connections} connections, ${opts.duration} s idle then ${opts.duration} s busy`,
  );
  const report = await runLoadScenario({
    durationS: Number(opts.duration),
    connections: Number(opts.connections),
    oldSnapshots: Number(opts.oldSnapshots),
    backgroundNice: Number(opts.nice),
    apiNice: Number(opts.apiNice),
    crawlsInBusyRun: opts.crawls === 'one' ? 'one' : 'back-to-back',
    ...(opts.without ? { without: opts.without } : {}),
    mongoUri: services.mongo.uri,
    redisUrl: services.redis.url,
    env: (over) => ({ PATH: process.env.PATH, HOME: process.env.HOME, ...services.env, STRATA_API_PORT: '0', ...over }),
    log: out,
    logDir,
    ...(Number(opts.perRoute) > 0 ? { perRouteS: Number(opts.perRoute) } : {}),
  });
  out('');
  out('| run | requests | req/s | p50 | p90 | p99 | max | failed |');
  out('| --- | --- | --- | --- | --- | --- | --- | --- |');
  out(describeFigures('idle, before', report.idleRuns[0]));
  out(describeFigures('idle, after', report.idleRuns[1]));
  out(describeFigures('idle (mean of both)', report.idle));
  out(describeFigures('during crawls and a purge', report.busy));
  for (const [route, f] of Object.entries(report.perRoute ?? {})) out(describeFigures(`idle, only ${route}`, f));
  out('');
  out(
    `API at nice ${opts.apiNice}; crawler and purge processes at nice ${opts.nice}; database at 0; the simulator (standing for the Proxmox hosts) at nice 19`,
  );
  out(`busy p99 / idle p99 = ${(report.busy.p99 / report.idle.p99).toFixed(2)}`);
  out(
    `crawls during the busy run: ${report.crawls.started} started, ${report.crawls.published} published (${report.crawls.statuses.join(', ')}) of ${report.guests} guests each`,
  );
  out(
    `purge: ${report.purge.removed} snapshots removed in ${(report.purge.ranMs / 1000).toFixed(1)} s (exit ${report.purge.exitCode}), ${(report.purge.overlappedMs / 1000).toFixed(1)} s of it during the busy run`,
  );
} finally {
  await services.stop();
  rmSync(logDir, { recursive: true, force: true });
}
