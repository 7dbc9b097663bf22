import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToken } from '../../api/auth/tokens.ts';
import { DEMO_USERS } from '../../shared/local-services/ldap-directory.ts';
import type { SnapshotDoc } from '../../shared/store/schemas.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { pidsConnectedTo } from './support/connections.ts';
import { eventually, registerEndpoints, type StrataDatabase, strataDatabase } from './support/estate.ts';
import { recordFigure } from './support/figures.ts';
import { halfSnapshots, publishedSnapshots } from './support/invariants.ts';
import { type StrataProcess, startApiProcess, startCrawlerProcess, strataEnv } from './support/processes.ts';

/**
 * Three crawler daemons (`strata crawl`) and two API processes (`api/main.ts`) on one MongoDB-compatible
 * server and one Redis, crawling the simulator's medium estate (4 PVE clusters and a PBS) every 15 s:
 * every cluster is crawled exactly once per snapshot date, a crawler killed with SIGKILL mid-crawl has its
 * clusters taken over once its leases expire, and a session made on one API process works on the other.
 */

const LEASE_MS = 3000;
// Seconds 0, 15, 30, 45: the crash test uses other seconds, so their lease keys (crawl:<date>:<cluster>) differ.
const SCHEDULE = '0,15,30,45 * * * * *';

let sim: Simulator;
let base: StrataDatabase;
const crawlers: StrataProcess[] = [];
const apis: (StrataProcess & { url: string })[] = [];
let readyAt = 0;

const crawlerIdOf = (p: StrataProcess) => `${os.hostname()}:${p.pid}`;

async function auditToken() {
  const { secret } = await createToken(base.db, {
    name: 'resilience-audit',
    role: 'audit',
    group: null,
    expiresAt: new Date(Date.now() + 3_600_000),
    createdBy: 'test',
  });
  return { authorization: `Bearer ${secret}` };
}

beforeAll(async () => {
  sim = await startSimulator({ preset: 'medium', seed: 21, latencyMs: 5, unauthorizedDelayMs: 20 });
  base = await strataDatabase();
  await registerEndpoints(base.db, base.vault, sim.endpoints);
  const env = strataEnv({
    STRATA_DB_NAME: base.name,
    STRATA_VAULT_KEY_FILE: base.keyFile,
    STRATA_CRAWL_SCHEDULE: SCHEDULE,
    STRATA_LEASE_MS: String(LEASE_MS),
    // Two clusters at a time per process, so the five are shared out between processes.
    STRATA_CRAWL_CONCURRENCY: '2',
    STRATA_CLUSTER_TIMEOUT_MS: '60000',
    STRATA_AGENT_TIMEOUT_MS: '500',
  });
  // One at a time: five tsx processes compiling at once on two cores would only slow each other down.
  for (let i = 1; i <= 3; i++) crawlers.push(await startCrawlerProcess(`crawler-${i}`, env));
  for (let i = 1; i <= 2; i++) apis.push(await startApiProcess(`api-${i}`, env));
  readyAt = Date.now();
}, 180_000);

afterAll(async () => {
  await Promise.all([...crawlers, ...apis].map((p) => p.stop()));
  await sim?.stop();
});

/** Published snapshots whose slot came after every process was up. */
async function snapshotsSinceReady(): Promise<SnapshotDoc[]> {
  return (await publishedSnapshots(base.db)).filter((s) => s.date * 1000 >= readyAt);
}

/**
 * The simulator's request counts and the published outcomes, read while no crawl runs: no snapshot is
 * running before or after the counts are read and the published set did not change in between.
 */
async function quiescentCounts(): Promise<{ counts: Record<string, number>; published: SnapshotDoc[] }> {
  return eventually(
    'a moment with no crawl running',
    async () => {
      const running = () => base.db.collection('snapshots').countDocuments({ status: 'running' });
      if ((await running()) > 0) return undefined;
      const before = await publishedSnapshots(base.db);
      const counts: Record<string, number> = {};
      for (const e of sim.endpoints) counts[e.name] = Object.values(sim.counts(e.name)).reduce((a, b) => a + b, 0);
      const after = await publishedSnapshots(base.db);
      if ((await running()) > 0 || after.length !== before.length) return undefined;
      return { counts, published: after };
    },
    60_000,
    100,
  );
}

describe('three crawler processes and two API processes', () => {
  it('shares a session between API processes: made on one, used and ended on the other', async () => {
    const [a, b] = apis as [(typeof apis)[0], (typeof apis)[0]];
    const user = DEMO_USERS.find((u) => u.uid === 'auditor')!;
    const login = await fetch(`${a.url}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.uid, password: user.password }),
    });
    expect(login.status).toBe(200);
    const cookie = /strata_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    expect(cookie).toBeDefined();
    const csrf = ((await login.json()) as { csrfToken: string }).csrfToken;

    const me = await fetch(`${b.url}/api/v1/auth/me`, { headers: { cookie: cookie! } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: string }).user).toBe('auditor');

    const logout = await fetch(`${b.url}/api/v1/auth/logout`, {
      method: 'POST',
      headers: { cookie: cookie!, 'x-csrf-token': csrf, origin: b.url },
    });
    expect(logout.status).toBe(204);
    const after = await fetch(`${a.url}/api/v1/auth/me`, { headers: { cookie: cookie! } });
    expect(after.status).toBe(401);
  });

  it('crawls every cluster exactly once per snapshot date, the work shared between processes', async () => {
    const snaps = await eventually(
      'two snapshots made with all three crawlers up',
      async () => {
        const s = await snapshotsSinceReady();
        return s.length >= 2 ? s : undefined;
      },
      90_000,
      500,
    );
    const names = sim.endpoints.map((e) => e.name).sort();
    for (const s of snaps) {
      expect(s.status, `snapshot ${s.date}`).toBe('complete');
      expect(s.clusters.map((c) => c.name).sort()).toEqual(names);
    }
    // Several processes took part (each process takes at most two clusters at a time, and there are five).
    const crawlerIds = new Set(snaps.flatMap((s) => s.clusters.map((c) => c.crawler)));
    expect(crawlerIds.size).toBeGreaterThanOrEqual(2);
    for (const id of crawlerIds) expect(crawlers.map(crawlerIdOf)).toContain(id);

    // Every request each simulated cluster ever received was made by a crawl whose outcome was recorded:
    // a second crawl of a cluster for the same date would show as requests no outcome accounts for.
    const { counts, published } = await quiescentCounts();
    for (const name of names) {
      const recorded = published.reduce((sum, s) => sum + (s.clusters.find((c) => c.name === name)?.calls ?? 0), 0);
      expect(counts[name], `requests received by ${name} vs calls of its recorded crawls`).toBe(recorded);
    }
    expect(await halfSnapshots(base.db)).toEqual([]);
    // Both API processes serve the newest snapshot (each re-reads the snapshot list every 2 s).
    const newest = published.at(-1)!.date;
    const { authorization } = await auditToken();
    for (const api of apis) {
      await eventually(`${api.name} serving snapshot ${newest}`, async () => {
        const res = await fetch(`${api.url}/api/v1/static/dates/last`, { headers: { authorization } });
        const body = (await res.json()) as { value?: number };
        return res.status === 200 && body.value !== undefined && body.value >= newest ? true : undefined;
      });
    }
    recordFigure('multi-process', {
      snapshots: published.length,
      crawlers: crawlerIds.size,
      requestsPerCluster: counts,
    });
  });

  it('takes over the clusters of a crawler killed with SIGKILL mid-crawl once its lease expires', async () => {
    // alpha answers slowly, so its crawl lasts long enough to be caught in the middle.
    const alpha = sim.clusters[0]!;
    const undo = sim.faults.set({ cluster: alpha.name }, { latencyMs: 300 });
    try {
      const pids = crawlers.map((c) => c.pid);
      const victimPid = await eventually(
        `a crawler connected to ${alpha.name}`,
        async () => (await pidsConnectedTo(alpha.port, pids))[0],
        60_000,
        25,
      );
      const victim = crawlers.find((c) => c.pid === victimPid)!;
      const running = await base.db.collection<SnapshotDoc>('snapshots').findOne({ status: 'running' });
      expect(running).not.toBeNull();
      const date = running!.date;
      const killedAt = Date.now();
      await victim.kill();
      expect(victim.exited()).toBe(true);

      const snap = await eventually(
        `snapshot ${date} published after the kill`,
        async () => {
          const s = await base.db.collection<SnapshotDoc>('snapshots').findOne({ date });
          return s && s.status !== 'running' ? s : undefined;
        },
        90_000,
        250,
      );
      expect(snap.status).toBe('complete');
      const taken = snap.clusters.find((c) => c.name === alpha.name)!;
      expect(taken.ok).toBe(true);
      expect(taken.crawler).not.toBe(crawlerIdOf(victim));
      const takeoverMs = taken.finishedAt.getTime() - taken.durationMs - killedAt;
      // The lease outlives its holder by at most LEASE_MS; the waiting crawlers poll every second.
      expect(takeoverMs).toBeGreaterThanOrEqual(0);
      expect(takeoverMs).toBeLessThanOrEqual(LEASE_MS + 3000);
      expect(await halfSnapshots(base.db)).toEqual([]);
      recordFigure('takeover', { leaseMs: LEASE_MS, takeoverMs, cluster: alpha.name, date });
    } finally {
      undo();
    }
  });
});
