import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type StrataApp } from '../../api/app.ts';
import { createToken } from '../../api/auth/tokens.ts';
import { roleBindingsFromConfig } from '../../api/deps.ts';
import { type CrawlerDeps, type RunSettings, runCrawl } from '../../crawler/crawl-run.ts';
import { loadConfig } from '../../shared/config.ts';
import { DEMO_USERS } from '../../shared/local-services/ldap-directory.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { cleanupLeftovers, INVENTORY, resolveDate, type SnapshotDoc } from '../../shared/store/index.ts';
import { ldapOptions } from '../api/harness.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { eventually, registerEndpoints, type StrataDatabase, strataDatabase } from './support/estate.ts';
import { recordFigure } from './support/figures.ts';
import { halfSnapshots } from './support/invariants.ts';
import { ownRedis, type RestartableServer } from './support/own-services.ts';

/**
 * Redis down. The API and a crawler run on a Redis server of this file's own, which is killed and started
 * again. Documented behaviour (README "Reliability"): API reads with a token go on (tokens live in MongoDB);
 * logins, session requests and anything needing a lock answer 503 naming Redis; /readyz says Redis is down;
 * crawls fail closed: no lease, no crawl, nothing published (a crawl already running loses its leases and
 * its clusters are recorded as failed). Once Redis is back, all of it works again without a restart.
 */

const SETTINGS: RunSettings = {
  clusterTimeoutMs: 30_000,
  nodeConcurrency: 4,
  crawlConcurrency: 4,
  leaseMs: 3000,
  agentTimeoutMs: 500,
  agentRefreshPercent: 100,
};

let redisServer: RestartableServer;
let redis: Redis;
let sim: Simulator;
let base: StrataDatabase;
let app: StrataApp;
let deps: CrawlerDeps;
let bearer: string;
let nextDate = 1_970_000_000;
const behaviour: Record<string, unknown> = {};

const auditor = DEMO_USERS.find((u) => u.uid === 'auditor')!;
const loginBody = () => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: auditor.uid, password: auditor.password }),
});

beforeAll(async () => {
  redisServer = await ownRedis();
  redis = connectRedis(redisServer.uri);
  redis.on('error', () => {});
  await redisReady(redis);
  sim = await startSimulator({ preset: 'tiny', seed: 3, latencyMs: 2, unauthorizedDelayMs: 20 });
  base = await strataDatabase();
  await registerEndpoints(base.db, base.vault, sim.endpoints);
  const config = loadConfig({ STRATA_ROLE_BINDINGS: services().ldap.roleBindings, STRATA_LOG_LEVEL: 'silent' });
  app = createApp({
    db: base.db,
    redis,
    config,
    logger: createLogger('silent'),
    ldap: ldapOptions(),
    roleBindings: roleBindingsFromConfig(config),
    redisPrefix: 'redis-down:',
  });
  deps = {
    db: base.db,
    redis,
    vault: base.vault,
    logger: createLogger('silent'),
    settings: SETTINGS,
    crawlerId: 'redis-down-test',
  };
  const first = await runCrawl(deps, { date: nextDate++, trigger: 'once' });
  expect(first?.status).toBe('complete');
  const { secret } = await createToken(base.db, {
    name: 'redis-down',
    role: 'admin',
    group: null,
    expiresAt: new Date(Date.now() + 3_600_000),
    createdBy: 'test',
  });
  bearer = `Bearer ${secret}`;
});

afterAll(async () => {
  recordFigure('redis down', behaviour);
  redis?.disconnect();
  await sim?.stop();
});

async function timed(path: string, init: RequestInit = {}) {
  const t0 = Date.now();
  const res = await app.request(path, init);
  const body = (await res.json().catch(() => null)) as { error?: { code: string; message: string } } | null;
  return { status: res.status, body, ms: Date.now() - t0, type: res.headers.get('content-type') };
}

describe('Redis down', () => {
  it('API: token reads go on; logins, sessions and locks answer 503 naming Redis; readiness says so', async () => {
    const login = await app.request('/api/v1/auth/login', loginBody());
    expect(login.status).toBe(200);
    const cookie = /strata_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')![0];

    await redisServer.kill();
    const auth = { headers: { authorization: bearer } };
    const reads = [
      '/api/v1/static/dates/last',
      '/api/v1/snapshots',
      '/api/v1/search?q=status:running',
      `/api/v1/static/instances/last/${sim.clusters[0]!.name}`,
      '/api/v1/auth/me',
    ];
    const readResults: Record<string, number> = {};
    for (const path of reads) {
      const r = await timed(path, auth);
      readResults[path] = r.status;
      expect(r.status, `${path}: ${JSON.stringify(r.body)}`).toBe(200);
    }
    behaviour.tokenReads = readResults;

    const denied: Record<string, unknown> = {};
    const refused = [
      ['login', '/api/v1/auth/login', loginBody()],
      ['session read', '/api/v1/static/dates/last', { headers: { cookie } }],
      ['on-demand crawl', `/api/v1/admin/clusters/${sim.clusters[0]!.name}/crawl`, { method: 'POST', ...auth }],
    ] as const;
    for (const [what, path, init] of refused) {
      const r = await timed(path, init as RequestInit);
      denied[what] = { status: r.status, code: r.body?.error?.code, message: r.body?.error?.message, ms: r.ms };
      expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(503);
      expect(r.body?.error?.message).toMatch(/Redis/);
      expect(r.ms).toBeLessThan(10_000);
    }
    behaviour.refused = denied;

    const ready = await timed('/readyz');
    expect(ready.status).toBe(503);
    expect((ready.body as unknown as { checks: { redis: string; mongodb: string } }).checks).toEqual({
      mongodb: 'ok',
      redis: 'down',
    });
  });

  it('crawls fail closed while Redis is down: no lease, nothing crawled, nothing published', async () => {
    sim.resetCounts();
    const date = nextDate++;
    const result = await runCrawl(deps, { date, trigger: 'once' }).then(
      (snap) => ({ snap, error: null as Error | null }),
      (error: Error) => ({ snap: null, error }),
    );
    behaviour.crawlWhileDown = result.error ? `refused: ${result.error.message}` : `returned ${result.snap?.status}`;
    expect(result.error).not.toBeNull();
    expect(Object.values(sim.counts()).reduce((a, b) => a + b, 0)).toBe(0);
    expect(await resolveDate(base.db, date)).toBeNull();
    expect(await halfSnapshots(base.db)).toEqual([]);
  });

  it('everything works again once Redis is back, without restarting anything', async () => {
    await redisServer.start();
    await eventually('ioredis reconnected', async () => ((await redis.ping().catch(() => null)) ? true : undefined));
    const login = await app.request('/api/v1/auth/login', loginBody());
    expect(login.status).toBe(200);
    expect((await app.request('/readyz')).status).toBe(200);
    const snap = await runCrawl(deps, { date: nextDate++, trigger: 'once' });
    expect(snap?.status).toBe('complete');
  });

  it('Redis lost in the middle of a crawl: the crawl stops with its leases, nothing half is published', async () => {
    const undo = sim.faults.set({ cluster: sim.clusters[0]!.name }, { latencyMs: 150 });
    const date = nextDate++;
    const crawling = runCrawl(deps, { date, trigger: 'once' }).then(
      (snap) => ({ snap, error: null as Error | null }),
      (error: Error) => ({ snap: null, error }),
    );
    await eventually(
      'the crawl under way',
      async () => (Object.keys(sim.counts()).length ? true : undefined),
      10_000,
      20,
    );
    await redisServer.kill();
    const result = await crawling;
    undo();
    // Crawls already under way when the run gave up finish on their own: let them.
    await new Promise((r) => setTimeout(r, SETTINGS.leaseMs));
    const snap = await base.db.collection<SnapshotDoc>('snapshots').findOne({ date }, { projection: { _id: 0 } });
    behaviour.redisLostMidCrawl = {
      crawl: result.error ? `threw: ${result.error.message}` : `returned ${result.snap?.status}`,
      stored: snap?.status,
      clusters: snap?.clusters?.map((c) => ({ name: c.name, ok: c.ok, errorCode: c.errorCode })),
    };
    expect(await halfSnapshots(base.db)).toEqual([]);
    if (snap?.status === 'running') {
      // Never visible, and removed with its documents once its deadline has passed.
      expect(await resolveDate(base.db, date)).toBeNull();
      const report = await cleanupLeftovers(base.db, { now: new Date(snap.deadline.getTime() + 1000) });
      expect(report.abandoned).toContain(date);
      for (const name of INVENTORY) expect(await base.db.collection(name).countDocuments({ date })).toBe(0);
    }
    await redisServer.start();
  });
});
