import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SnapshotDoc } from '../../shared/store/schemas.ts';
import { resolveDate } from '../../shared/store/snapshots.ts';
import { type Simulator, startSimulator } from '../simulator/index.ts';
import { services } from '../support/services.ts';
import { eventually, registerEndpoints, type StrataDatabase, strataDatabase } from './support/estate.ts';
import { recordFigure } from './support/figures.ts';
import { halfSnapshots, storedFigures } from './support/invariants.ts';
import { type StrataProcess, startCrawlerProcess, strataEnv } from './support/processes.ts';
import { insertCommandBytes, startTcpProxy, type TcpProxy } from './support/tcp-proxy.ts';

/**
 * A crawler killed with SIGKILL while it writes a cluster's documents. Crawler A reaches MongoDB through a
 * proxy that holds A's first insert into `nodes` (so A has written that cluster's `clusters` document and is
 * certainly mid-write), and A is killed there. Crawler B, on the same schedule, takes the cluster over when
 * A's lease expires: the half-written documents are never visible, the published snapshot is whole, and the
 * snapshots published before are untouched.
 */

const SCHEDULE = '7,22,37,52 * * * * *';

let sim: Simulator;
let base: StrataDatabase;
let proxy: TcpProxy;
let a: StrataProcess;
let b: StrataProcess;

beforeAll(async () => {
  sim = await startSimulator({ preset: 'small', seed: 33, latencyMs: 2, unauthorizedDelayMs: 20 });
  base = await strataDatabase();
  await registerEndpoints(base.db, base.vault, sim.endpoints);
  const mongo = new URL(services().mongoUri);
  proxy = await startTcpProxy({ host: mongo.hostname, port: Number(mongo.port) });
  const common = {
    STRATA_DB_NAME: base.name,
    STRATA_VAULT_KEY_FILE: base.keyFile,
    STRATA_CRAWL_SCHEDULE: SCHEDULE,
    STRATA_LEASE_MS: '3000',
    STRATA_CLUSTER_TIMEOUT_MS: '60000',
    STRATA_AGENT_TIMEOUT_MS: '500',
  };
  a = await startCrawlerProcess(
    'crawler-a',
    strataEnv({ ...common, STRATA_CRAWL_CONCURRENCY: '4', MONGODB_URI: `mongodb://127.0.0.1:${proxy.port}/` }),
  );
  b = await startCrawlerProcess('crawler-b', strataEnv({ ...common, STRATA_CRAWL_CONCURRENCY: '1' }));
}, 180_000);

afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await proxy?.close();
  await sim?.stop();
});

describe('a crawler killed while writing', () => {
  it('leaves nothing visible; the other crawler takes the cluster over and publishes a whole snapshot', async () => {
    // A first snapshot, published normally: it must come through the crash unchanged.
    await eventually(
      'a first published snapshot',
      async () => ((await base.db.collection('snapshots').countDocuments({ status: 'complete' })) ? true : undefined),
      60_000,
      250,
    );
    const before = await storedFigures(base.db);

    await proxy.holdOn(insertCommandBytes('nodes'), 60_000);
    const running = await base.db.collection<SnapshotDoc>('snapshots').findOne({ status: 'running' });
    expect(running).not.toBeNull();
    const date = running!.date;
    await a.kill();

    // A's half-written cluster: its `clusters` document is stored, no outcome is recorded for it.
    const written = await base.db
      .collection('clusters')
      .find({ date }, { projection: { _id: 0, cluster: 1, run: 1 } })
      .toArray();
    const outcomes = await base.db.collection('snapshot_outcomes').find({ date }).toArray();
    const half = written.filter((d) => !outcomes.some((o) => o.name === d.cluster && o.run === d.run));
    expect(half.length).toBeGreaterThanOrEqual(1);
    const victim = half[0]!.cluster as string;
    // Not visible while the snapshot runs.
    expect(await resolveDate(base.db, date)).toBeNull();

    const killedAt = Date.now();
    const snap = await eventually(
      `snapshot ${date} published`,
      async () => {
        const s = await base.db.collection<SnapshotDoc>('snapshots').findOne({ date });
        return s && s.status !== 'running' ? s : undefined;
      },
      90_000,
      250,
    );
    expect(snap.status).toBe('complete');
    const outcome = snap.clusters.find((c) => c.name === victim)!;
    expect(outcome.ok).toBe(true);
    expect(outcome.crawler).toBe(`${os.hostname()}:${b.pid}`);
    expect(await halfSnapshots(base.db)).toEqual([]);
    // Nothing stored before was lost.
    const after = await storedFigures(base.db);
    for (const [d, figures] of Object.entries(before)) expect(after[Number(d)], `snapshot ${d}`).toEqual(figures);
    recordFigure('crash-while-writing', {
      cluster: victim,
      date,
      halfWrittenRuns: half.length,
      publishedAfterMs: snap.finishedAt!.getTime() - killedAt,
    });
  });
});
