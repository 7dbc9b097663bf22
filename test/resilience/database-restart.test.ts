import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Db, MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CrawlerDeps, type RunSettings, runCrawl } from '../../crawler/crawl-run.ts';
import { connectMongo } from '../../shared/db.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { ensureRegistryIndexes } from '../../shared/registry/index.ts';
import { cleanupLeftovers, ensureIndexes, resolveDate, type SnapshotDoc } from '../../shared/store/index.ts';
import { openVault, type Vault } from '../../shared/vault/index.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { registerEndpoints } from './support/estate.ts';
import { recordFigure } from './support/figures.ts';
import { halfSnapshots, storedFigures } from './support/invariants.ts';
import { ownFerretDb, type RestartableServer } from './support/own-services.ts';
import { insertCommandBytes, startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

/**
 * The database restarted during a crawl. The shared server serves every test file, so this file starts a
 * FerretDB (on a PostgreSQL) of its own and kills and restarts its process: once while the crawl is reading
 * Proxmox (a short outage the driver rides out), once just as the crawl starts writing (an outage longer than
 * the driver's 5 s server selection). The crawler reaches the database through a proxy that spots its first
 * insert, which is how the second kill lands at the start of the writes.
 */

const SETTINGS: RunSettings = {
  clusterTimeoutMs: 30_000,
  nodeConcurrency: 4,
  crawlConcurrency: 4,
  leaseMs: 3000,
  agentTimeoutMs: 500,
  agentRefreshPercent: 100,
};

let mongo: RestartableServer;
let proxy: TcpProxy;
let sim: Simulator;
let db: Db;
let client: MongoClient;
let crawlerClient: MongoClient;
let vault: Vault;
let deps: CrawlerDeps;
let dir: string;
let nextDate = 1_960_000_000;

beforeAll(async () => {
  mongo = await ownFerretDb();
  proxy = await startTcpProxy({ host: '127.0.0.1', port: mongo.port });
  ({ client, db } = await connectMongo(mongo.uri, 'strata_restart'));
  await ensureIndexes(db);
  await ensureRegistryIndexes(db);
  dir = mkdtempSync(path.join(os.tmpdir(), 'strata-restart-'));
  vault = await openVault(db, { keyFile: path.join(dir, 'master.key') });
  sim = await startSimulator({ preset: 'small', seed: 8, latencyMs: 2, unauthorizedDelayMs: 20 });
  await registerEndpoints(db, vault, sim.endpoints);
  const crawlerSide = await connectMongo(mongo.uri, 'strata_restart');
  crawlerClient = crawlerSide.client;
  const redis = connectRedis(services().redisUrl);
  redis.on('error', () => {});
  await redisReady(redis);
  deps = {
    db: crawlerSide.db,
    redis,
    vault,
    logger: createLogger('silent'),
    settings: SETTINGS,
    crawlerId: 'restart-test',
  };
  const first = await runCrawl(deps, { date: nextDate++, trigger: 'once' });
  expect(first?.status).toBe('complete');
}, 120_000);

afterAll(async () => {
  deps?.redis.disconnect();
  await crawlerClient?.close();
  await client?.close();
  vault?.close();
  await proxy?.close();
  await sim?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const requests = () => Object.values(sim.counts()).reduce((a, b) => a + b, 0);

describe('the database restarted during a crawl', () => {
  it('a restart while the crawl reads Proxmox: the crawl completes and publishes a whole snapshot', async () => {
    const before = await storedFigures(db);
    // Every cluster answers slowly, so none is writing yet when the database goes (see the next test for that).
    for (const e of sim.endpoints) sim.faults.set({ cluster: e.name }, { latencyMs: 40 });
    sim.resetCounts();
    const date = nextDate++;
    const crawling = runCrawl(deps, { date, trigger: 'once' });
    const t0 = Date.now();
    while (requests() < 10 && Date.now() - t0 < 20_000) await new Promise((r) => setTimeout(r, 5));
    await mongo.kill();
    const downAt = Date.now();
    await mongo.start();
    const downMs = Date.now() - downAt;
    const snap = await crawling;
    sim.faults.clear();
    expect(snap?.status, JSON.stringify(snap?.clusters.map((c) => [c.name, c.error]))).toBe('complete');
    expect(await halfSnapshots(db)).toEqual([]);
    const after = await storedFigures(db);
    for (const [d, f] of Object.entries(before)) expect(after[Number(d)], `snapshot ${d}`).toEqual(f);
    recordFigure('database restart while reading', { downMs, status: snap?.status });
  });

  it('killed as the crawl starts writing and down for 6 s: nothing half is published, nothing stored is lost', async () => {
    const before = await storedFigures(db);
    const date = nextDate++;
    // This crawl reaches the database through the proxy, which spots (and holds) its first insert.
    const viaProxy = await connectMongo(`mongodb://127.0.0.1:${proxy.port}/`, 'strata_restart');
    const writing = proxy.holdOn(insertCommandBytes('clusters'), 30_000);
    const crawling = runCrawl({ ...deps, db: viaProxy.db }, { date, trigger: 'once' }).then(
      (snap) => ({ snap, error: null as Error | null }),
      (error: Error) => ({ snap: null, error }),
    );
    await writing;
    await mongo.kill();
    proxy.release();
    await new Promise((r) => setTimeout(r, 6000));
    await mongo.start();
    const result = await crawling;
    await viaProxy.client.close();

    // Whatever the crawl made of it, a published snapshot is whole and the earlier ones are intact.
    expect(await halfSnapshots(db)).toEqual([]);
    const after = await storedFigures(db);
    for (const [d, f] of Object.entries(before)) expect(after[Number(d)], `snapshot ${d}`).toEqual(f);
    const snap = await db.collection<SnapshotDoc>('snapshots').findOne({ date }, { projection: { _id: 0 } });
    const outcome = {
      crawl: result.error ? `threw: ${result.error.message}` : `returned ${result.snap?.status}`,
      stored: snap?.status ?? 'none',
      // (FerretDB drops the empty `clusters` array of a running snapshot's upsert, hence the `?.`.)
      clusters: snap?.clusters?.map((c) => ({ name: c.name, ok: c.ok, errorCode: c.errorCode })),
    };
    recordFigure('database restart while writing', outcome);
    if (snap?.status === 'running') {
      // Not visible; after its deadline the cleanup of the next crawl removes it and its documents.
      expect(await resolveDate(db, date)).toBeNull();
      const report = await cleanupLeftovers(db, { now: new Date(snap.deadline.getTime() + 1000) });
      expect(report.abandoned).toContain(date);
      for (const name of ['clusters', 'nodes', 'instances', 'disks', 'storages', 'backups']) {
        expect(await db.collection(name).countDocuments({ date })).toBe(0);
      }
    }
    // The database is back: the next crawl is complete.
    const next = await runCrawl(deps, { date: nextDate++, trigger: 'once' });
    expect(next?.status).toBe('complete');
    expect(await halfSnapshots(db)).toEqual([]);
  });
});
