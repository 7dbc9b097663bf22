/**
 * `npm run bench:api`: the data API under load, against the same queries made directly with the driver.
 *
 * 1. Local services (or MONGODB_URI/REDIS_URL), a throwaway database, the simulator's medium preset crawled
 *    twice, then copied to 100 published snapshots (copies with shifted dates: fast, and every date whole).
 * 2. The API in a child process; autocannon with 32 connections per scenario: p50/p95/p99 and req/s for
 *    dates/last, one cluster's instances at last, one guest's history, a search, a diff of two dates.
 * 3. The same queries with the driver in this process at the same concurrency: the API/driver ratio.
 * 4. The API process's RSS while streaming the whole-estate NDJSON dump of small, medium, large and 5x-large
 *    estates (synthesised from the crawled guests): flat means constant memory.
 * Figures are printed; nothing is asserted (benchmarks are not tests).
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import type { Db } from 'mongodb';
import { createToken } from '../../api/auth/tokens.ts';
import { diffSnapshots } from '../../api/query/diff.ts';
import type { Doc } from '../../api/query/guest-fields.ts';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { loadConfig } from '../../shared/config.ts';
import { connectMongo } from '../../shared/db.ts';
import { startLocalServices } from '../../shared/local-services/index.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis } from '../../shared/redis.ts';
import { ensureIndexes } from '../../shared/store/index.ts';
import { openVault } from '../../shared/vault/index.ts';
import { copySnapshot } from '../../test/data-api/seed.ts';
import { startSimulator } from '../../test/simulator/index.ts';
import { registerSimulated } from '../../test/simulator/register.ts';

const CONNECTIONS = 32;
const DURATION_S = Number(process.env.BENCH_DURATION_S ?? 8);
const SNAPSHOTS = 100;
const STEP = 900;

const log = (s: string) => process.stdout.write(`${s}\n`);
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

interface Figures {
  p50: number;
  p95: number;
  p99: number;
  rps: number;
  n: number;
  errors: number;
}

function figures(latencies: number[], seconds: number, errors: number): Figures {
  const s = [...latencies].sort((a, b) => a - b);
  return { p50: pct(s, 50), p95: pct(s, 95), p99: pct(s, 99), rps: s.length / seconds, n: s.length, errors };
}

async function loadApi(base: string, pathAndQuery: string, auth: string): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const inst = autocannon({
    url: base + pathAndQuery,
    connections: CONNECTIONS,
    duration: DURATION_S,
    headers: { authorization: auth },
  });
  inst.on('response', (_c, status, _b, t) => {
    if (status !== 200) errors++;
    latencies.push(t);
  });
  const r = await inst;
  return figures(latencies, r.duration || DURATION_S, errors + r.errors + r.timeouts);
}

/** One request after another (no queueing): the time of one query, for API and driver alike. */
async function sequential(work: () => Promise<unknown>): Promise<Figures> {
  const latencies: number[] = [];
  const t0 = performance.now();
  while (latencies.length < 30 && performance.now() - t0 < 4000) {
    const s = performance.now();
    await work();
    latencies.push(performance.now() - s);
  }
  return figures(latencies, (performance.now() - t0) / 1000, 0);
}

async function loadDriver(work: () => Promise<unknown>): Promise<Figures> {
  const latencies: number[] = [];
  let errors = 0;
  const end = performance.now() + DURATION_S * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (performance.now() < end) {
        const s = performance.now();
        try {
          await work();
        } catch {
          errors++;
        }
        latencies.push(performance.now() - s);
      }
    }),
  );
  return figures(latencies, (performance.now() - t0) / 1000, errors);
}

type Child = ReturnType<typeof spawn>;
let ipcId = 0;
function memoryOf(child: Child, gc = false): Promise<NodeJS.MemoryUsage> {
  const id = ++ipcId;
  return new Promise((resolve) => {
    const on = (m: NodeJS.MemoryUsage & { id: number }) => {
      if (m.id !== id) return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ type: gc ? 'gc' : 'mem', id });
  });
}

/** Streams the dump to nowhere while sampling the API process's memory (after a full GC first). */
async function dumpMemory(base: string, auth: string, child: Child, date: number) {
  const before = await memoryOf(child, true);
  let peakRss = before.rss;
  let peakHeap = before.heapUsed + before.external + before.arrayBuffers;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await memoryOf(child);
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed + m.external + m.arrayBuffers);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const t0 = performance.now();
  const res = await fetch(`${base}/api/v1/inventory/instances/dump?date=${date}`, { headers: { authorization: auth } });
  let bytes = 0;
  let lines = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    for (const b of value) if (b === 10) lines++;
  }
  const took = performance.now() - t0;
  sampling = false;
  await sampler;
  const beforeHeap = before.heapUsed + before.external + before.arrayBuffers;
  return {
    lines,
    bytes,
    ms: took,
    rssBefore: before.rss,
    rssDelta: peakRss - before.rss,
    heapBefore: beforeHeap,
    heapDelta: peakHeap - beforeHeap,
  };
}

/** A published snapshot at `date` holding `copies` renamed copies of the guests of `from` (instances only). */
async function syntheticEstate(db: Db, from: number, date: number, copies: number, perCopy?: number) {
  const guests = await db
    .collection('instances')
    .find({ date: from }, { projection: { _id: 0 } })
    .toArray();
  const unit = perCopy ? guests.slice(0, perCopy) : guests;
  const snap = await db.collection('snapshots').findOne({ date: from }, { projection: { _id: 0 } });
  const clusters: Doc[] = [];
  for (let k = 0; k < copies; k++) {
    const docs = unit.map((g) => ({ ...g, date, cluster: `x${k}-${String(g.cluster)}`, uid: `${String(g.uid)}-${k}` }));
    for (let i = 0; i < docs.length; i += 2000)
      await db.collection('instances').insertMany(docs.slice(i, i + 2000), { ordered: false });
    for (const c of (snap?.clusters as Doc[]) ?? []) clusters.push({ ...c, name: `x${k}-${String(c.name)}` });
  }
  await db.collection('snapshots').insertOne({ ...snap, date, clusters, expected: clusters.map((c) => c.name) });
  return unit.length * copies;
}

async function main() {
  const config = loadConfig({ ...process.env, STRATA_LOG_LEVEL: 'error' });
  const services = await startLocalServices(config);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'strata-bench-api-'));
  const dbName = `bench_api_${randomBytes(3).toString('hex')}`;
  const { client, db } = await connectMongo(services.mongo.uri, dbName);
  const redis = connectRedis(services.redis.url);
  const sim = await startSimulator({ preset: 'medium', seed: 42 });
  let child: ReturnType<typeof spawn> | undefined;
  try {
    log(
      `# bench:api — ${services.mongo.describe}; simulator medium preset; ${CONNECTIONS} connections, ${DURATION_S} s per run`,
    );
    await ensureIndexes(db);
    const keyFile = path.join(dir, 'master.key');
    const vault = await openVault(db, { keyFile });
    await registerSimulated(db, vault, [...sim.clusters, ...sim.pbs]);
    const deps = {
      db,
      redis,
      vault,
      logger: createLogger('error'),
      settings: {
        clusterTimeoutMs: 120_000,
        nodeConcurrency: 4,
        crawlConcurrency: 4,
        leaseMs: 10_000,
        agentTimeoutMs: 2000,
        agentRefreshPercent: 100,
      },
      crawlerId: 'bench',
    };
    const last = Math.floor(Date.now() / 1000 / STEP) * STEP;
    const d1 = last - STEP;
    let t = performance.now();
    await runCrawl(deps, { date: d1, trigger: 'once' });
    await runCrawl(deps, { date: last, trigger: 'once' });
    const crawlMs = performance.now() - t;
    const perSnap = (
      await Promise.all(
        ['instances', 'disks', 'storages', 'backups', 'nodes', 'clusters'].map((c) =>
          db.collection(c).countDocuments({ date: last }),
        ),
      )
    ).reduce((a, b) => a + b, 0);
    t = performance.now();
    const older = Array.from({ length: SNAPSHOTS - 2 }, (_, i) => last - (i + 2) * STEP);
    await copySnapshot(
      db,
      d1,
      older.filter((_, i) => i % 2 === 1),
    );
    await copySnapshot(
      db,
      last,
      older.filter((_, i) => i % 2 === 0),
    );
    log(
      `store: 2 crawls in ${(crawlMs / 1000).toFixed(1)} s; ${SNAPSHOTS - 2} copies (${perSnap} documents each) in ${((performance.now() - t) / 1000).toFixed(1)} s; ${SNAPSHOTS} published snapshots`,
    );

    const { secret } = await createToken(db, {
      name: 'bench',
      role: 'admin',
      group: null,
      expiresAt: new Date(Date.now() + 86_400_000),
      createdBy: 'bench',
    });
    const auth = `Bearer ${secret}`;
    child = spawn(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(import.meta.dirname, 'api-server.ts')],
      {
        env: {
          ...process.env,
          ...services.env,
          MONGODB_URI: services.mongo.uri,
          REDIS_URL: services.redis.url,
          STRATA_DB_NAME: dbName,
          LDAP_URL: '',
        },
        stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
      },
    );
    const port = await new Promise<number>((resolve, reject) => {
      child!.stdout!.on('data', (b: Buffer) => {
        const m = /listening (\d+)/.exec(b.toString());
        if (m) resolve(Number(m[1]));
      });
      child!.once('exit', (code) => reject(new Error(`API exited with ${code}`)));
    });
    const base = `http://127.0.0.1:${port}`;

    // Pick a cluster, a guest, a search, from the data.
    const cluster = String((await db.collection('clusters').findOne({ date: last, kind: 'pve' }))?.cluster);
    const someGuest = await db.collection('instances').findOne({ date: last, cluster, template: false });
    const uid = String(someGuest?.uid);
    const word = String(someGuest?.name).slice(0, 3);
    const search = `name:${word} status:running`;
    const readable = { status: { $in: ['complete', 'partial'] } };
    const lastDate = async () =>
      (
        await db
          .collection('snapshots')
          .find(readable, { projection: { _id: 0, date: 1 } })
          .sort({ date: -1 })
          .limit(1)
          .toArray()
      )[0]?.date as number;

    const scenarios: { name: string; path: string; driver: () => Promise<unknown> }[] = [
      { name: 'dates/last', path: '/api/v1/static/dates/last', driver: lastDate },
      {
        name: `instances of ${cluster} at last`,
        path: `/api/v1/static/instances/last/${cluster}`,
        driver: async () =>
          db
            .collection('instances')
            .find({ date: await lastDate(), cluster })
            .toArray(),
      },
      {
        name: `history of one guest (${SNAPSHOTS} snapshots)`,
        path: `/api/v1/guests/${uid}/history`,
        driver: async () =>
          Promise.all([
            db.collection('instances').find({ uid }).toArray(),
            db.collection('disks').find({ uid }).toArray(),
          ]),
      },
      {
        name: `search "${search}"`,
        path: `/api/v1/search?q=${encodeURIComponent(search)}&limit=50`,
        driver: async () =>
          db
            .collection('instances')
            .find({ date: await lastDate(), status: 'running', name: { $regex: word, $options: 'i' } })
            .limit(50)
            .toArray(),
      },
      {
        name: 'diff of two dates',
        path: `/api/v1/diff?from=${d1}&to=${last}`,
        driver: async () => {
          const side = async (date: number) => {
            const [instances, disks, storages, backups] = await Promise.all(
              ['instances', 'disks', 'storages', 'backups'].map(
                (c) => db.collection(c).find({ date }).toArray() as Promise<Doc[]>,
              ),
            );
            return { instances: instances!, disks: disks!, storages: storages!, backups: backups! };
          };
          return diffSnapshots(await side(d1), await side(last));
        },
      },
    ];

    log('');
    log(
      '| query | API p50 | API p95 | API p99 | API req/s | driver p50 | driver p95 | driver p99 | driver req/s | API/driver p50 | API alone p50 | driver alone p50 | API/driver alone | API first (cold) |',
    );
    log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of scenarios) {
      const c0 = performance.now();
      const first = await fetch(base + s.path, { headers: { authorization: auth } });
      await first.arrayBuffer();
      const cold = performance.now() - c0;
      if (first.status !== 200) throw new Error(`${s.path} answered ${first.status}`);
      const one = await sequential(async () =>
        (await fetch(base + s.path, { headers: { authorization: auth } })).arrayBuffer(),
      );
      const drvOne = await sequential(s.driver);
      const api = await loadApi(base, s.path, auth);
      const drv = await loadDriver(s.driver);
      const ratio = (a: number, b: number) => `${(a / b).toFixed(a / b < 0.1 ? 3 : 2)}x`;
      log(
        `| ${s.name} | ${ms(api.p50)} | ${ms(api.p95)} | ${ms(api.p99)} | ${api.rps.toFixed(0)}${api.errors ? ` (${api.errors} errors)` : ''} | ${ms(drv.p50)} | ${ms(drv.p95)} | ${ms(drv.p99)} | ${drv.rps.toFixed(1)} | ${ratio(api.p50, drv.p50)} | ${ms(one.p50)} | ${ms(drvOne.p50)} | ${ratio(one.p50, drvOne.p50)} | ${ms(cold)} |`,
      );
    }

    log('');
    // Synthetic estates for the dump (made after the query runs, so those saw exactly the 100 snapshots).
    const sizes: [string, number, number, number?][] = [
      ['small (60 guests)', last - 200 * STEP, 1, 60],
      ['medium (480)', last - 201 * STEP, 1],
      ['large (9,600)', last - 202 * STEP, 20],
      ['5x large (48,000)', last - 203 * STEP, 100],
    ];
    const estateSizes: number[] = [];
    for (const [, date, copies, per] of sizes) estateSizes.push(await syntheticEstate(db, last, date, copies, per));

    log(
      '| whole-estate dump (instances NDJSON) | documents | MB sent | time | API heap+buffers before | peak delta | API RSS before | peak delta |',
    );
    log('| --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const [i, [label, date]] of sizes.entries()) {
      const r = await dumpMemory(base, auth, child, date);
      const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;
      log(
        `| ${label} | ${r.lines} (of ${estateSizes[i]}) | ${(r.bytes / 1048576).toFixed(1)} | ${(r.ms / 1000).toFixed(2)} s | ${mb(r.heapBefore)} | ${mb(r.heapDelta)} | ${mb(r.rssBefore)} | ${mb(r.rssDelta)} |`,
      );
    }
  } finally {
    child?.kill('SIGTERM');
    await sim.stop();
    await db.dropDatabase().catch(() => {});
    redis.disconnect();
    await client.close();
    await services.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
