import { type ChildProcess, fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { createToken } from '../../../api/auth/tokens.ts';
import { runCrawl } from '../../../crawler/crawl-run.ts';
import { connectMongo } from '../../../shared/db.ts';
import { createLogger } from '../../../shared/logger.ts';
import { connectRedis, redisReady } from '../../../shared/redis.ts';
import { ensureRegistryIndexes } from '../../../shared/registry/index.ts';
import { ensureIndexes } from '../../../shared/store/index.ts';
import { openVault } from '../../../shared/vault/index.ts';
import { copySnapshot } from '../../data-api/seed.ts';
import type { SimEndpoint } from '../../simulator/index.ts';
import { registerEndpoints } from './register.ts';
import { REPO, spawnStrata } from './spawn-strata.ts';

/**
 * The load scenario of `npm run test:resilience` (short) and `npm run bench:load` (60 s): the API in a process
 * of its own, on a database holding crawled snapshots of the simulator's medium estate plus older copies;
 * autocannon (64 connections, a mix of read routes, Bearer token) first while nothing else runs, then while
 * crawler processes crawl the estate back to back and `strata purge` removes the older snapshots. The
 * simulator runs in its own process at the lowest CPU priority: it stands for Proxmox hosts, which are other
 * machines in real life.
 */

export interface LoadOptions {
  durationS: number;
  connections: number;
  /** Older snapshots (copies) for the purge to remove during the busy run. */
  oldSnapshots: number;
  mongoUri: string;
  redisUrl: string;
  /** Environment for Strata's child processes (services and database settings added to it). */
  env: (over: Record<string, string>) => NodeJS.ProcessEnv;
  log: (line: string) => void;
  logDir: string;
  /** Also measure each route alone while idle, for this many seconds (the benchmark's breakdown). */
  perRouteS?: number;
  /** CPU priority (nice) of the crawler and purge processes; 0 runs them at the API's priority. */
  backgroundNice: number;
  /** CPU priority of the API process (negative: above the database's; needs root, else it stays 0). */
  apiNice: number;
  /** Leave out the crawls or the purge of the busy run (to see what each costs). */
  without?: 'crawls' | 'purge';
  /** One crawl at the start of the busy run, or crawls back to back until it ends. */
  crawlsInBusyRun: 'one' | 'back-to-back';
}

export interface Figures {
  requests: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  non2xx: number;
  errors: number;
  timeouts: number;
}

export interface LoadReport {
  routes: string[];
  /** The mean of the idle runs before and after the busy one. */
  idle: Figures;
  idleRuns: [Figures, Figures];
  busy: Figures;
  /** Crawls (snapshots published by crawler processes) that ran during the busy window. */
  crawls: { started: number; published: number; statuses: string[] };
  purge: { ranMs: number; exitCode: number | null; removed: number; overlappedMs: number };
  guests: number;
  perRoute?: Record<string, Figures>;
}

const STEP = 900;

async function startSimulatorProcess(): Promise<{ child: ChildProcess; endpoints: SimEndpoint[] }> {
  // 25 ms per Proxmox call, as the crawl benchmark's reference: a crawl waits on Proxmox more than it computes.
  const options = { preset: 'medium', seed: 64, latencyMs: 25, unauthorizedDelayMs: 20 };
  const child = fork(path.join(import.meta.dirname, 'simulator-process.ts'), [JSON.stringify(options)], {
    execArgv: ['--import', path.join(REPO, 'node_modules/tsx/dist/loader.mjs')],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  if (child.pid) os.setPriority(child.pid, 19);
  const [message] = (await once(child, 'message')) as [{ type: string; endpoints: SimEndpoint[] }];
  return { child, endpoints: message.endpoints };
}

function figures(r: Awaited<ReturnType<typeof autocannon>>): Figures {
  return {
    requests: r.requests.total,
    rps: Math.round(r.requests.average),
    p50: r.latency.p50,
    p90: r.latency.p90,
    p99: r.latency.p99,
    max: r.latency.max,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
  };
}

function meanOf(a: Figures, b: Figures): Figures {
  const out = { ...a };
  for (const k of Object.keys(a) as (keyof Figures)[]) out[k] = Math.round((a[k] + b[k]) / 2);
  out.requests = a.requests + b.requests;
  out.non2xx = a.non2xx + b.non2xx;
  out.errors = a.errors + b.errors;
  out.timeouts = a.timeouts + b.timeouts;
  return out;
}

async function hammer(url: string, paths: string[], authorization: string, o: LoadOptions, durationS: number) {
  // The load generator stands for remote clients: it runs at the API's priority, so background work on
  // this machine delays the API's answers, not the measuring of them.
  const before = os.getPriority();
  try {
    os.setPriority(o.apiNice);
  } catch {}
  try {
    const result = await autocannon({
      url,
      connections: o.connections,
      duration: durationS,
      headers: { authorization },
      requests: paths.map((p) => ({ method: 'GET' as const, path: p })),
    });
    return figures(result);
  } finally {
    try {
      os.setPriority(before);
    } catch {}
  }
}

export async function runLoadScenario(o: LoadOptions): Promise<LoadReport> {
  const dbName = `load_${Date.now().toString(36)}`;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-load-'));
  const keyFile = path.join(dir, 'master.key');
  const { client, db } = await connectMongo(o.mongoUri, dbName);
  const redis = connectRedis(o.redisUrl);
  redis.on('error', () => {});
  const sim = await startSimulatorProcess();
  const children: { stop(): Promise<void> }[] = [];
  try {
    await redisReady(redis);
    await ensureIndexes(db);
    await ensureRegistryIndexes(db);
    const vault = await openVault(db, { keyFile });
    await registerEndpoints(db, vault, sim.endpoints);

    // Two crawled snapshots a quarter of an hour apart, and older copies for the purge.
    const now = Math.floor(Date.now() / 1000);
    const last = now - (now % STEP) - STEP;
    const deps = {
      db,
      redis,
      vault,
      logger: createLogger('silent'),
      settings: {
        clusterTimeoutMs: 60_000,
        nodeConcurrency: 4,
        crawlConcurrency: 4,
        leaseMs: 10_000,
        agentTimeoutMs: 1000,
        agentRefreshPercent: 100,
      },
      crawlerId: 'load-seed',
    };
    await runCrawl(deps, { date: last - STEP, trigger: 'once' });
    const snap = await runCrawl(deps, { date: last, trigger: 'once' });
    vault.close();
    if (snap?.status !== 'complete') throw new Error(`the seed crawl ended ${snap?.status}`);
    const oldest = last - (o.oldSnapshots + 1) * STEP;
    const copies = Array.from({ length: o.oldSnapshots }, (_, i) => oldest + i * STEP);
    await copySnapshot(db, last, copies);
    o.log(`seeded: 2 crawled snapshots (${snap.totals?.instances} guests each) and ${copies.length} older copies`);

    // The read routes: fixed dates (immutable, cacheable), `last` (moves with every new snapshot), search,
    // a guest's history, the snapshot list.
    const cluster = snap.clusters.find((c) => c.kind === 'pve')!.name;
    const guest = await db.collection('instances').findOne({ date: last, cluster, template: false });
    const routes = [
      '/api/v1/static/dates/last',
      '/api/v1/snapshots',
      `/api/v1/static/instances/${last}/${cluster}`,
      `/api/v1/static/instances/last/${cluster}`,
      '/api/v1/search?q=status:running&limit=50',
      `/api/v1/guests/${String(guest?.uid)}/history`,
      `/api/v1/static/nodes/${last}/${cluster}`,
    ];
    const { secret } = await createToken(db, {
      name: 'load',
      role: 'audit',
      group: null,
      expiresAt: new Date(Date.now() + 3_600_000),
      createdBy: 'load-test',
    });
    const authorization = `Bearer ${secret}`;

    const env = o.env({ STRATA_DB_NAME: dbName, STRATA_VAULT_KEY_FILE: keyFile, STRATA_LOG_LEVEL: 'warn' });
    const api = spawnStrata('load-api', 'api/main.ts', [], env, path.join(o.logDir, 'load-api.log'), {
      nice: o.apiNice,
    });
    children.push(api);
    const url = (await api.waitFor(/Strata API on (https?:\/\/\S+) /, 90_000))[1]!;
    for (const p of routes) {
      const res = await fetch(url + p, { headers: { authorization } });
      if (res.status !== 200) throw new Error(`${p} answered ${res.status}: ${await res.text()}`);
    }
    o.log(`API ${url}; routes: ${routes.join(', ')}`);

    await hammer(url, routes, authorization, o, Math.min(3, o.durationS)); // warm-up, not counted
    let perRoute: Record<string, Figures> | undefined;
    if (o.perRouteS) {
      perRoute = {};
      for (const r of routes) perRoute[r] = await hammer(url, [r], authorization, o, o.perRouteS);
      o.log(`per route: ${JSON.stringify(perRoute)}`);
    }
    const idleBefore = await hammer(url, routes, authorization, o, o.durationS);
    o.log(`idle before: ${JSON.stringify(idleBefore)}`);

    // Busy: crawler processes one after the other (each `strata crawl --once` makes a new snapshot) and a
    // purge of the older copies, for the same duration.
    const windowEnd = Date.now() + o.durationS * 1000;
    const crawlEnv = o.env({ STRATA_DB_NAME: dbName, STRATA_VAULT_KEY_FILE: keyFile, STRATA_LOG_LEVEL: 'warn' });
    const crawls = { started: 0, published: 0, statuses: [] as string[] };
    const crawling = (async () => {
      while (
        o.without !== 'crawls' &&
        Date.now() < windowEnd &&
        (o.crawlsInBusyRun === 'back-to-back' || crawls.started === 0)
      ) {
        crawls.started++;
        const c = spawnStrata(
          `load-crawl-${crawls.started}`,
          'scripts/strata.ts',
          ['crawl', '--once'],
          crawlEnv,
          path.join(o.logDir, `load-crawl-${crawls.started}.log`),
          { nice: o.backgroundNice },
        );
        children.push(c);
        await c.finished();
        const status = /: (complete|partial|failed) in/.exec(c.output())?.[1] ?? `exit ${c.proc.exitCode}`;
        crawls.statuses.push(status);
        if (status === 'complete' || status === 'partial') crawls.published++;
      }
    })();
    const purgeStart = Date.now();
    const purge = spawnStrata(
      'load-purge',
      'scripts/strata.ts',
      o.without === 'purge'
        ? ['purge', '--before', String(oldest), '--json']
        : ['purge', '--before', String(oldest + o.oldSnapshots * STEP), '--json'],
      crawlEnv,
      path.join(o.logDir, 'load-purge.log'),
      { nice: o.backgroundNice },
    );
    children.push(purge);
    const purged = purge.finished().then((code) => ({ code, ms: Date.now() - purgeStart }));
    const busyStart = Date.now();
    const busy = await hammer(url, routes, authorization, o, o.durationS);
    const busyEnd = Date.now();
    o.log(`busy: ${JSON.stringify(busy)}`);
    await crawling;
    const p = await purged;
    // Idle again once the crawls and the purge are over: the idle figure is the mean of both idle runs, so
    // a machine whose other load drifts during the run weighs on both sides alike.
    const idleAfter = await hammer(url, routes, authorization, o, o.durationS);
    o.log(`idle after: ${JSON.stringify(idleAfter)}`);
    const idle = meanOf(idleBefore, idleAfter);
    const removed = (JSON.parse(purge.output().slice(purge.output().indexOf('{'))) as { removed?: number[] }).removed;
    return {
      routes,
      idle,
      idleRuns: [idleBefore, idleAfter],
      busy,
      crawls,
      purge: {
        ranMs: p.ms,
        exitCode: p.code,
        removed: removed?.length ?? 0,
        overlappedMs: Math.max(0, Math.min(busyEnd, purgeStart + p.ms) - Math.max(busyStart, purgeStart)),
      },
      guests: snap.totals?.instances ?? 0,
      ...(perRoute ? { perRoute } : {}),
    };
  } finally {
    for (const c of children) await c.stop().catch(() => {});
    sim.child.kill('SIGTERM');
    await db.dropDatabase().catch(() => {});
    redis.disconnect();
    await client.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The README table row of one run. */
export function describeFigures(name: string, f: Figures): string {
  return `| ${name} | ${f.requests} | ${f.rps} | ${f.p50} ms | ${f.p90} ms | ${f.p99} ms | ${f.max} ms | ${f.non2xx + f.errors + f.timeouts} |`;
}
