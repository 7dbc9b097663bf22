import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { startCrawler } from '../../crawler/main.ts';
import { runOnDemand } from '../../crawler/on-demand.ts';
import { crawlRequestStatus, requestCrawl } from '../../shared/crawl-requests.ts';
import {
  cleanupLeftovers,
  getSnapshot,
  inventory,
  latestPublished,
  listOutcomes,
  resolveDate,
} from '../../shared/store/index.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { register, secondCrawler, type TestCrawler, testCrawler } from './support.ts';

/**
 * Several crawler processes: they never crawl a cluster twice for one date; a crawler killed half-way leaves
 * no visible snapshot, another takes its cluster over, and cleanup removes what is left; on-demand crawls.
 */

let sim: Simulator;
let c: TestCrawler;
const root = path.resolve(import.meta.dirname, '../..');

beforeAll(async () => {
  sim = await startSimulator({ preset: 'small', seed: 5, unauthorizedDelayMs: 50 });
  c = await testCrawler({ leaseMs: 2000 });
  await register(c.db, c.vault, [...sim.clusters, ...sim.pbs]);
});
afterAll(async () => {
  await sim?.stop();
});

function child(date: number): ChildProcess & { output: string } {
  const p = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'fixtures/crawl-child.ts')], {
    cwd: root,
    env: {
      ...process.env,
      MONGODB_URI: services().mongoUri,
      REDIS_URL: services().redisUrl,
      STRATA_DB_NAME: c.dbName,
      STRATA_VAULT_KEY_FILE: c.keyFile,
      STRATA_VAULT_PASSPHRASE: '',
      STRATA_LEASE_MS: '3000',
      CRAWL_DATE: String(date),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  }) as ChildProcess & { output: string };
  p.output = '';
  p.stdout?.on('data', (d) => {
    p.output += d;
  });
  p.stderr?.on('data', (d) => {
    p.output += d;
  });
  return p;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

const guestsOf = (name: string) => sim.truth().clusters.find((x) => x.name === name)!.guests.length;

describe('several crawlers', () => {
  it('split the clusters of one date and never crawl one twice', async () => {
    const other = await secondCrawler(c, 'crawler-2');
    sim.resetCounts();
    const date = 1_820_000_000;
    const [a, b] = await Promise.all([
      runCrawl({ ...c, crawlerId: 'crawler-1' }, { date, trigger: 'schedule' }),
      runCrawl(other, { date, trigger: 'schedule' }),
    ]);
    expect(a?.status).toBe('complete');
    expect(b?.status).toBe('complete');
    for (const e of sim.clusters) expect(sim.counts(e.name)['GET /cluster/resources']).toBe(1);
    for (const e of sim.pbs) expect(sim.counts(e.name)['GET /admin/datastore']).toBe(1);
    const snap = await getSnapshot(c.db, date);
    expect(snap?.clusters.map((o) => o.name).sort()).toEqual([...sim.clusters, ...sim.pbs].map((e) => e.name).sort());
    for (const e of sim.clusters) {
      expect(await inventory(c.db, 'instances').countDocuments({ date, cluster: e.name })).toBe(guestsOf(e.name));
    }
  }, 60_000);

  it('a crawler killed half-way leaves no visible snapshot; another takes its cluster over', async () => {
    const before = (await latestPublished(c.db))?.date;
    const date = 1_820_000_100;
    // bravo is slow, so alpha is written while bravo is still being collected when the child dies.
    const undo = sim.faults.set({ cluster: 'bravo' }, { latencyMs: 400 });
    const p = child(date);
    try {
      await until('alpha written by the child', async () =>
        (await listOutcomes(c.db, date)).some((o) => o.name === 'alpha'),
      );
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    } finally {
      undo();
    }
    expect(p.output).not.toContain('finished');
    // Nothing visible: the snapshot is still running and readers do not see it.
    expect((await getSnapshot(c.db, date))?.status).toBe('running');
    expect(await resolveDate(c.db, date)).toBeNull();
    expect((await latestPublished(c.db))?.date).toBe(before);
    expect(await inventory(c.db, 'instances').countDocuments({ date, cluster: 'alpha' })).toBe(guestsOf('alpha'));

    // Another crawler joins the date: alpha is done, bravo's lease expires and it takes bravo over.
    sim.resetCounts();
    const started = Date.now();
    const snap = await runCrawl({ ...c, crawlerId: 'rescuer' }, { date, trigger: 'schedule' });
    expect(snap?.status).toBe('complete');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(sim.counts('alpha')['GET /cluster/resources'] ?? 0).toBe(0);
    expect(sim.counts('bravo')['GET /cluster/resources']).toBe(1);
    const bravo = snap!.clusters.find((o) => o.name === 'bravo')!;
    expect(bravo.crawler).toBe('rescuer');
    for (const e of sim.clusters) {
      expect(await inventory(c.db, 'instances').countDocuments({ date, cluster: e.name })).toBe(guestsOf(e.name));
    }
    expect(await resolveDate(c.db, 'last')).toBe(date);
  }, 90_000);

  it('cleanup removes what a killed crawl left when nobody finished it', async () => {
    const date = 1_820_000_200;
    const undo = sim.faults.set({ cluster: 'bravo' }, { latencyMs: 400 });
    const p = child(date);
    try {
      await until('alpha written by the child', async () =>
        (await listOutcomes(c.db, date)).some((o) => o.name === 'alpha'),
      );
      p.kill('SIGKILL');
      await new Promise((r) => p.once('exit', r));
    } finally {
      undo();
    }
    expect(await inventory(c.db, 'disks').countDocuments({ date })).toBeGreaterThan(0);
    const snap = await getSnapshot(c.db, date);
    // Before its deadline the snapshot is left alone (a crawler may still come to finish it)...
    expect((await cleanupLeftovers(c.db)).abandoned).toEqual([]);
    // ...after it, it is given up and its documents removed.
    const report = await cleanupLeftovers(c.db, { now: new Date(snap!.deadline.getTime() + 1000) });
    expect(report.abandoned).toEqual([date]);
    for (const name of ['instances', 'disks', 'nodes', 'storages', 'backups', 'clusters'] as const) {
      expect(await inventory(c.db, name).countDocuments({ date })).toBe(0);
    }
    expect(await resolveDate(c.db, date)).toBeNull();
  }, 90_000);
});

describe('on-demand crawl', () => {
  it('publishes a new whole snapshot: the cluster fresh, the others copied from the last one', async () => {
    const last = (await latestPublished(c.db))!;
    sim.advance(2);
    sim.resetCounts();
    const snap = await runOnDemand(c, 'alpha');
    expect(snap?.status).toBe('complete');
    expect(snap!.date).toBeGreaterThan(last.date);
    expect(sim.counts('alpha')['GET /cluster/resources']).toBe(1);
    expect(sim.counts('bravo')['GET /cluster/resources'] ?? 0).toBe(0);
    const alpha = snap!.clusters.find((o) => o.name === 'alpha')!;
    const bravo = snap!.clusters.find((o) => o.name === 'bravo')!;
    expect(alpha.copiedFrom).toBeUndefined();
    expect(bravo.copiedFrom).toBe(last.date);
    expect(await inventory(c.db, 'instances').countDocuments({ date: snap!.date, cluster: 'alpha' })).toBe(
      guestsOf('alpha'),
    );
    const copied = await inventory(c.db, 'instances').countDocuments({ date: snap!.date, cluster: 'bravo' });
    expect(copied).toBe(await inventory(c.db, 'instances').countDocuments({ date: last.date, cluster: 'bravo' }));
    expect(await resolveDate(c.db, 'last')).toBe(snap!.date);
  }, 60_000);

  it('serves requests from the API through Redis within seconds', async () => {
    const crawler = await startCrawler(c, { STRATA_CRAWL_SCHEDULE: '0 0 1 1 *' });
    try {
      const before = (await latestPublished(c.db))!.date;
      const req = await requestCrawl(c.redis, 'bravo');
      const asked = Date.now();
      await until(
        'the on-demand crawl',
        async () => (await crawlRequestStatus(c.redis, req.id))?.state === 'done',
        20_000,
      );
      const status = await crawlRequestStatus(c.redis, req.id);
      expect(Date.now() - asked).toBeLessThan(10_000);
      expect(status?.status).toBe('complete');
      expect(status!.date).toBeGreaterThan(before);
      expect(await resolveDate(c.db, 'last')).toBe(status!.date);
      const unknown = await requestCrawl(c.redis, 'nosuchcluster');
      await until(
        'the refused request',
        async () => (await crawlRequestStatus(c.redis, unknown.id))?.state === 'failed',
        20_000,
      );
      expect((await crawlRequestStatus(c.redis, unknown.id))?.error).toMatch(/not a registered, enabled cluster/);
    } finally {
      await crawler.stop();
    }
  }, 60_000);
});
