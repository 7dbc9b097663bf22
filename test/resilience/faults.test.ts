import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type CrawlerDeps, type RunSettings, runCrawl } from '../../crawler/crawl-run.ts';
import { createLogger } from '../../shared/logger.ts';
import { connectRedis, redisReady } from '../../shared/redis.ts';
import { setCredentials, updateCluster } from '../../shared/registry/index.ts';
import { inventory, resolveDate, type SnapshotDoc } from '../../shared/store/index.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { registerEndpoints, type StrataDatabase, strataDatabase } from './support/estate.ts';
import { recordFigure } from './support/figures.ts';
import { halfSnapshots, storedFigures } from './support/invariants.ts';

/**
 * Crawls of the simulator's small estate (alpha, bravo and pbs1) with one fault at a time, through the
 * crawler's own run function. After each: the snapshot's status and each cluster's outcome are as documented
 * (README "Reliability"), every published snapshot is whole, and what was published before is unchanged.
 */

const SETTINGS: RunSettings = {
  clusterTimeoutMs: 30_000,
  nodeConcurrency: 4,
  crawlConcurrency: 4,
  leaseMs: 3000,
  agentTimeoutMs: 500,
  agentRefreshPercent: 100,
};

let sim: Simulator;
let base: StrataDatabase;
let deps: CrawlerDeps;
// Dates of this file's own (lease keys are per date and cluster, shared by every test file's Redis).
let nextDate = 1_950_000_000;
const outcomesFound: Record<string, unknown> = {};

beforeAll(async () => {
  sim = await startSimulator({ preset: 'small', seed: 5, latencyMs: 2, unauthorizedDelayMs: 20 });
  base = await strataDatabase();
  await registerEndpoints(base.db, base.vault, sim.endpoints);
  const redis = connectRedis(services().redisUrl);
  redis.on('error', () => {});
  await redisReady(redis);
  deps = {
    db: base.db,
    redis,
    vault: base.vault,
    logger: createLogger('silent'),
    settings: SETTINGS,
    crawlerId: 'faults-test',
  };
  // A clean snapshot first: every later fault must leave it as it is.
  const first = await crawl();
  expect(first.status).toBe('complete');
});

afterEach(() => sim.faults.clear());

afterAll(async () => {
  recordFigure('faults', outcomesFound);
  deps?.redis.disconnect();
  await sim?.stop();
});

async function crawl(settings: Partial<RunSettings> = {}): Promise<SnapshotDoc> {
  const snap = await runCrawl(
    { ...deps, settings: { ...SETTINGS, ...settings } },
    { date: nextDate++, trigger: 'once' },
  );
  if (!snap) throw new Error('no snapshot');
  return snap;
}

const outcome = (snap: SnapshotDoc, name: string) => snap.clusters.find((c) => c.name === name)!;
const truthOf = (name: string) => sim.truth().clusters.find((c) => c.name === name)!;

/** The invariants every fault test ends with. */
async function wholeAndNothingLost(before: Record<number, Record<string, number>>) {
  expect(await halfSnapshots(base.db)).toEqual([]);
  const after = await storedFigures(base.db);
  for (const [d, figures] of Object.entries(before)) expect(after[Number(d)], `snapshot ${d}`).toEqual(figures);
}

function note(name: string, snap: SnapshotDoc, cluster: string) {
  const o = outcome(snap, cluster);
  outcomesFound[name] = {
    snapshot: snap.status,
    cluster,
    ok: o.ok,
    errorCode: o.errorCode,
    error: o.error,
    warnings: o.warnings?.length ?? 0,
    durationMs: o.durationMs,
    instances: o.counts.instances,
  };
}

describe('crawls under faults', () => {
  it('a cluster that is down fails alone: the snapshot is partial and the other clusters are whole', async () => {
    const before = await storedFigures(base.db);
    sim.faults.set({ cluster: 'alpha' }, { unreachable: true });
    const t0 = Date.now();
    const snap = await crawl();
    expect(snap.status).toBe('partial');
    const alpha = outcome(snap, 'alpha');
    expect(alpha.ok).toBe(false);
    expect(alpha.error).toMatch(/\S/);
    expect(alpha.error).not.toMatch(/secret|PVEAPIToken/i);
    expect(outcome(snap, 'bravo').ok).toBe(true);
    expect(outcome(snap, 'bravo').counts.instances).toBe(truthOf('bravo').guests.length);
    expect(outcome(snap, 'pbs1').ok).toBe(true);
    // Retries are bounded: a dead cluster costs seconds, not its whole time budget.
    expect(Date.now() - t0).toBeLessThan(SETTINGS.clusterTimeoutMs);
    expect(await inventory(base.db, 'instances').countDocuments({ date: snap.date, cluster: 'alpha' })).toBe(0);
    // A partial snapshot is readable (the failed cluster is reported on it).
    expect(await resolveDate(base.db, snap.date)).toBe(snap.date);
    note('cluster down', snap, 'alpha');
    await wholeAndNothingLost(before);
  });

  it('an offline node: the cluster is crawled, the node is reported offline and its guests still listed', async () => {
    const before = await storedFigures(base.db);
    const node = truthOf('alpha').nodes[1]!.name;
    sim.faults.set({ cluster: 'alpha', node }, { offline: true });
    const snap = await crawl();
    expect(snap.status).toBe('complete');
    const alpha = outcome(snap, 'alpha');
    expect(alpha.ok).toBe(true);
    expect(alpha.warnings?.some((w) => w.includes(node))).toBe(true);
    expect(alpha.counts.nodesOnline).toBe(alpha.counts.nodes - 1);
    const stored = await inventory(base.db, 'nodes').findOne({ date: snap.date, cluster: 'alpha', node });
    expect(stored?.online).toBe(false);
    expect(alpha.counts.instances).toBe(truthOf('alpha').guests.length);
    note('node offline', snap, 'alpha');
    await wholeAndNothingLost(before);
  });

  it('a slow node slows only its own cluster, whose crawl still completes', async () => {
    const before = await storedFigures(base.db);
    const node = truthOf('alpha').nodes[0]!.name;
    sim.faults.set({ cluster: 'alpha', node }, { latencyMs: 250 });
    const snap = await crawl();
    expect(snap.status).toBe('complete');
    const alpha = outcome(snap, 'alpha');
    const bravo = outcome(snap, 'bravo');
    expect(alpha.ok).toBe(true);
    expect(alpha.counts.instances).toBe(truthOf('alpha').guests.length);
    expect(bravo.durationMs).toBeLessThan(alpha.durationMs);
    note('slow node', snap, 'alpha');
    await wholeAndNothingLost(before);
  });

  it('a node that never answers costs its cluster no more than the time budget; the others are unaffected', async () => {
    const before = await storedFigures(base.db);
    const node = truthOf('alpha').nodes[0]!.name;
    sim.faults.set({ cluster: 'alpha', node }, { hang: true });
    const budget = 3000;
    const snap = await crawl({ clusterTimeoutMs: budget });
    expect(snap.status).toBe('partial');
    const alpha = outcome(snap, 'alpha');
    expect(alpha.ok).toBe(false);
    expect(alpha.errorCode).toBe('TIME_BUDGET');
    expect(alpha.durationMs).toBeGreaterThanOrEqual(budget);
    expect(alpha.durationMs).toBeLessThan(budget + 2000);
    expect(outcome(snap, 'bravo').ok).toBe(true);
    note('hung node', snap, 'alpha');
    await wholeAndNothingLost(before);
  });

  it('5 % server errors are retried: every crawl completes with every guest', async () => {
    const before = await storedFigures(base.db);
    sim.resetCounts();
    const clean = await crawl();
    expect(clean.status).toBe('complete');
    const requestsOf = () => sim.endpoints.map((e) => Object.values(sim.counts(e.name)).reduce((a, b) => a + b, 0));
    const cleanRequests = requestsOf().reduce((a, b) => a + b, 0);
    for (const e of sim.endpoints) sim.faults.set({ cluster: e.name }, { errorRate: 0.05 });
    // Crawl until the errors have hit (more requests than the clean crawl: the retries); up to five crawls.
    const crawls: SnapshotDoc[] = [];
    let requests = cleanRequests;
    while (requests <= cleanRequests && crawls.length < 5) {
      sim.resetCounts();
      crawls.push(await crawl());
      requests = requestsOf().reduce((a, b) => a + b, 0);
    }
    expect(requests).toBeGreaterThan(cleanRequests);
    for (const snap of crawls) {
      expect(snap.status).toBe('complete');
      for (const name of ['alpha', 'bravo']) {
        const o = outcome(snap, name);
        expect(o.ok).toBe(true);
        expect(o.counts.instances).toBe(truthOf(name).guests.length);
        // A guest config that failed three times in a row is a warning; without one, the disks are all there.
        if (!o.warnings?.length) expect(o.counts.disks).toBe(outcome(clean, name).counts.disks);
      }
    }
    note('5 % server errors', crawls.at(-1)!, 'alpha');
    outcomesFound['5 % server errors requests'] = { clean: cleanRequests, faulty: requests, crawls: crawls.length };
    await wholeAndNothingLost(before);
  });

  it('a ticket that expires mid-crawl is renewed by logging in again; the crawl completes', async () => {
    const before = await storedFigures(base.db);
    const alphaEndpoint = sim.clusters.find((c) => c.name === 'alpha')!;
    await setCredentials(base.db, base.vault, 'alpha', {
      username: alphaEndpoint.user,
      password: alphaEndpoint.password,
    });
    try {
      sim.resetCounts();
      sim.faults.set({ cluster: 'alpha' }, { latencyMs: 40 });
      const running = crawl();
      // Expire the tickets once the crawl is under way (logged in and a few calls made).
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        const counts = sim.counts('alpha');
        const total = Object.values(counts).reduce((a, b) => a + b, 0);
        if ((counts['POST /access/ticket'] ?? 0) >= 1 && total >= 8) break;
        await new Promise((r) => setTimeout(r, 5));
      }
      sim.expireTickets('alpha');
      const snap = await running;
      expect(snap.status).toBe('complete');
      const alpha = outcome(snap, 'alpha');
      expect(alpha.ok).toBe(true);
      expect(alpha.counts.instances).toBe(truthOf('alpha').guests.length);
      expect(sim.counts('alpha')['POST /access/ticket']).toBeGreaterThanOrEqual(2);
      note('ticket expired mid-crawl', snap, 'alpha');
    } finally {
      await setCredentials(base.db, base.vault, 'alpha', {
        tokenId: alphaEndpoint.tokenId,
        secret: alphaEndpoint.tokenSecret,
      });
    }
    await wholeAndNothingLost(before);
  });

  it('a changed certificate is refused (pinned fingerprint) until the new one is pinned', async () => {
    const before = await storedFigures(base.db);
    const fingerprint = await sim.rotateCertificate('bravo');
    const refused = await crawl();
    expect(refused.status).toBe('partial');
    const bravo = outcome(refused, 'bravo');
    expect(bravo.ok).toBe(false);
    expect(`${bravo.errorCode} ${bravo.error}`).toMatch(/fingerprint|pin/i);
    expect(await inventory(base.db, 'instances').countDocuments({ date: refused.date, cluster: 'bravo' })).toBe(0);
    note('changed certificate', refused, 'bravo');

    await updateCluster(base.db, 'bravo', { fingerprint });
    const repinned = await crawl();
    expect(repinned.status).toBe('complete');
    expect(outcome(repinned, 'bravo').counts.instances).toBe(truthOf('bravo').guests.length);
    await wholeAndNothingLost(before);
  });
});
