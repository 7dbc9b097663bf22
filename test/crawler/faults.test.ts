import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { inventory, resolveDate } from '../../shared/store/index.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { register, type TestCrawler, testCrawler } from './support.ts';

/**
 * Crawls with faults: a cluster down, slow or refusing credentials costs at most its time budget and is
 * reported on the snapshot; the other clusters are unaffected; no unhandled rejections; no secret in logs.
 */

let sim: Simulator;
let c: TestCrawler;
let date = 1_810_000_000;
const logs: string[] = [];
const rejections: unknown[] = [];
const onRejection = (e: unknown) => rejections.push(e);

beforeAll(async () => {
  process.on('unhandledRejection', onRejection);
  sim = await startSimulator({ preset: 'small', seed: 3, unauthorizedDelayMs: 50 });
  c = await testCrawler({ clusterTimeoutMs: 4000 });
  // Capture every log line (JSON) to check that no secret ever appears in them.
  const { pino } = await import('pino');
  c.logger = pino({ level: 'debug' }, { write: (line: string) => logs.push(line) });
  await register(c.db, c.vault, sim.clusters.slice(0, 1));
  // The second cluster logs in with user and password (tickets), to expire them mid-crawl.
  await register(c.db, c.vault, sim.clusters.slice(1), { password: true });
  await register(c.db, c.vault, sim.pbs);
});
afterAll(async () => {
  process.off('unhandledRejection', onRejection);
  await sim?.stop();
});

const [A, B] = ['alpha', 'bravo'];
const crawl = () => runCrawl(c, { date: date++, trigger: 'once' });
const outcome = (snap: Awaited<ReturnType<typeof crawl>>, name: string) => snap!.clusters.find((o) => o.name === name)!;
const guestsOf = (name: string) => sim.truth().clusters.find((x) => x.name === name)!.guests.length;

describe('crawl with faults', () => {
  it('reports an unreachable cluster on a partial snapshot and keeps the others', async () => {
    const undo = sim.faults.set({ cluster: A }, { unreachable: true });
    try {
      const snap = await crawl();
      expect(snap?.status).toBe('partial');
      const a = outcome(snap, A);
      expect(a.ok).toBe(false);
      expect(a.errorCode).toBe('CONNECTION');
      expect(a.error).toMatch(/127\.0\.0\.1/);
      expect(outcome(snap, B)).toMatchObject({ ok: true });
      expect(outcome(snap, B).counts.instances).toBe(guestsOf(B));
      expect(await inventory(c.db, 'instances').countDocuments({ date: snap!.date, cluster: A })).toBe(0);
      // A partial snapshot is published and readable.
      expect(await resolveDate(c.db, 'last')).toBe(snap!.date);
    } finally {
      undo();
    }
  }, 60_000);

  it('keeps a cluster with an offline node: its guests are listed without config, with a warning', async () => {
    const node = sim.clusters[0]!.nodes[1]!;
    const undo = sim.faults.set({ cluster: A, node }, { offline: true });
    try {
      const snap = await crawl();
      expect(snap?.status).toBe('complete');
      const a = outcome(snap, A);
      expect(a.warnings?.join('\n')).toMatch(new RegExp(`node ${node} is offline`));
      const onNode = await inventory(c.db, 'instances').find({ date: snap!.date, cluster: A, node }).toArray();
      expect(onNode.length).toBeGreaterThan(0);
      for (const g of onNode) expect(g).toMatchObject({ status: 'unknown', configMissing: true });
      expect(a.counts.instances).toBe(guestsOf(A));
      const nodeDoc = await inventory(c.db, 'nodes').findOne({ date: snap!.date, cluster: A, node });
      expect(nodeDoc?.online).toBe(false);
    } finally {
      undo();
    }
  }, 60_000);

  it('rides out 5% errors with retries: every guest config is read', async () => {
    const undo = sim.faults.set({ cluster: A }, { errorRate: 0.05 });
    try {
      const snap = await crawl();
      const a = outcome(snap, A);
      expect(a.ok).toBe(true);
      const missing = await inventory(c.db, 'instances').countDocuments({
        date: snap!.date,
        cluster: A,
        configMissing: true,
      });
      expect(missing).toBe(0);
      expect(a.counts.instances).toBe(guestsOf(A));
    } finally {
      undo();
    }
  }, 60_000);

  it('waits for a slow node within the budget', async () => {
    const undo = sim.faults.set({ cluster: A, node: sim.clusters[0]!.nodes[0]! }, { latencyMs: 150 });
    try {
      const snap = await crawl();
      expect(outcome(snap, A)).toMatchObject({ ok: true });
      expect(outcome(snap, A).durationMs).toBeGreaterThan(300);
    } finally {
      undo();
    }
  }, 60_000);

  it('stops a hanging cluster at its time budget and reports it; the others finish', async () => {
    const undo = sim.faults.set({ cluster: A, endpoint: 'GET /cluster/resources' }, { hang: true });
    const started = Date.now();
    try {
      const snap = await crawl();
      const a = outcome(snap, A);
      expect(a).toMatchObject({ ok: false, errorCode: 'TIME_BUDGET' });
      expect(a.error).toMatch(/did not finish within its time budget of 4000 ms/);
      expect(a.durationMs).toBeLessThan(4000 + 1500);
      expect(Date.now() - started).toBeLessThan(4000 + 5000);
      expect(outcome(snap, B).ok).toBe(true);
    } finally {
      undo();
    }
  }, 60_000);

  it('does not wait for guest agents that never answer', async () => {
    const undo = sim.faults.set(
      { cluster: A, endpoint: 'GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces' },
      { hang: true },
    );
    try {
      const snap = await crawl();
      const a = outcome(snap, A);
      expect(a.error).toBeUndefined();
      expect(a.ok).toBe(true);
      expect(a.callsByEndpoint['GET /nodes/{node}/qemu/{vmid}/agent/network-get-interfaces']).toBeGreaterThan(0);
      // Each agent call gives up after STRATA_AGENT_TIMEOUT_MS (1 s here), in parallel with the rest.
      expect(a.durationMs).toBeLessThan(3000);
      expect(a.counts.instances).toBe(guestsOf(A));
    } finally {
      undo();
    }
  }, 60_000);

  it('logs in again when the ticket expires mid-crawl', async () => {
    // Expire tickets as soon as the crawl has fetched the resources of the password-authenticated cluster.
    let expired = false;
    const timer = setInterval(() => {
      if (!expired && (sim.counts(B)['GET /cluster/resources'] ?? 0) > 0) {
        sim.expireTickets(B);
        expired = true;
      }
    }, 1);
    sim.resetCounts();
    try {
      const snap = await crawl();
      expect(expired).toBe(true);
      expect(outcome(snap, B)).toMatchObject({ ok: true });
      expect(outcome(snap, B).counts.instances).toBe(guestsOf(B));
      expect(sim.counts(B)['POST /access/ticket']).toBeGreaterThanOrEqual(2);
    } finally {
      clearInterval(timer);
    }
  }, 60_000);

  it('refuses a cluster whose certificate changed, with the pin message', async () => {
    const fresh = await sim.rotateCertificate(A);
    const snap = await crawl();
    const a = outcome(snap, A);
    expect(a).toMatchObject({ ok: false, errorCode: 'TLS_PIN_MISMATCH' });
    expect(a.error).toContain(fresh.replace(/:/g, ':'));
    expect(outcome(snap, B).ok).toBe(true);
    expect(snap?.status).toBe('partial');
  }, 60_000);

  it('reports refused credentials as an authentication failure', async () => {
    await c.db.collection('clusters_registry').updateOne(
      { _id: B as never },
      {
        $set: {
          'credentials.password': c.vault.seal('wrong-password', {
            collection: 'clusters_registry',
            id: B,
            field: 'credentials.password',
          }),
        },
      },
    );
    const snap = await crawl();
    expect(outcome(snap, B)).toMatchObject({ ok: false, errorCode: 'AUTHENTICATION' });
  }, 60_000);

  it('never logged a secret and left no unhandled rejection', async () => {
    const secrets = [...sim.clusters, ...sim.pbs].flatMap((e) => [e.password, e.tokenSecret]);
    const all = logs.join('');
    expect(all.length).toBeGreaterThan(0);
    for (const s of secrets) expect(all).not.toContain(s);
    expect(all).toMatch(/"cluster":"alpha"/);
    expect(rejections).toEqual([]);
  });
});
