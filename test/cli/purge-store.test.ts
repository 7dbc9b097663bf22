import type { Db } from 'mongodb';
import { beforeEach, describe, expect, it } from 'vitest';
import { INVENTORY } from '../../shared/store/collections.ts';
import { applyRetentionPolicy, PURGED_COLLECTIONS, purge, startRetentionSchedule } from '../../shared/store/purge.ts';
import { testDb } from '../support/services.ts';

const { db } = await testDb();

/** Writes a snapshot document and `perCollection` documents in every dated collection. */
async function seed(target: Db, date: number, status: string, perCollection = 3) {
  await target.collection('snapshots').insertOne({ date, status, expected: ['c1'], clusters: [] });
  for (const name of PURGED_COLLECTIONS) {
    await target
      .collection(name)
      .insertMany(Array.from({ length: perCollection }, (_, i) => ({ date, cluster: 'c1', vmid: 100 + i, run: 'r' })));
  }
}

async function countFor(date: number): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const name of [...PURGED_COLLECTIONS, 'snapshots'])
    out[name] = await db.collection(name).countDocuments({ date });
  return out;
}

async function reset() {
  for (const name of [...PURGED_COLLECTIONS, 'snapshots']) await db.collection(name).deleteMany({});
}

describe('purge against the database', () => {
  beforeEach(reset);

  it('purges the outcome records and every inventory collection', () => {
    expect(PURGED_COLLECTIONS).toEqual([...INVENTORY, 'snapshot_outcomes']);
  });

  it('dry run counts exactly what would go and changes nothing', async () => {
    await seed(db, 1000, 'complete', 2);
    await seed(db, 2000, 'failed', 1);
    await seed(db, 3000, 'complete', 4);
    const r = await purge(db, { before: 2500, dryRun: true, now: 4000 });
    expect(r.dryRun).toBe(true);
    expect(r.removed).toEqual([1000, 2000]);
    expect(r.kept).toEqual([3000]);
    expect(r.details.map((d) => d.documents.instances)).toEqual([2, 1]);
    expect(r.documents.instances).toBe(3);
    expect(r.documents.snapshot_outcomes).toBe(3);
    expect(r.documents.snapshots).toBe(2);
    expect((await countFor(1000)).instances).toBe(2);
    expect(await db.collection('snapshots').countDocuments()).toBe(3);
  });

  it('removes the planned snapshots and their documents, reports counts and time', async () => {
    await seed(db, 1000, 'complete');
    await seed(db, 2000, 'partial');
    await seed(db, 3000, 'running');
    const r = await purge(db, { before: 5000, now: 5000 });
    // 1000 is the newest complete one, 3000 is running: only the partial one goes
    expect(r.removed).toEqual([2000]);
    expect(r.kept).toEqual([1000, 3000]);
    expect(r.documents).toEqual({ ...Object.fromEntries(PURGED_COLLECTIONS.map((c) => [c, 3])), snapshots: 1 });
    expect(r.durationMs).toBeGreaterThanOrEqual(0);
    expect(Object.values(await countFor(2000)).every((n) => n === 0)).toBe(true);
    expect((await countFor(1000)).instances).toBe(3);
    expect((await countFor(3000)).instances).toBe(3);
  });

  it('pauses after each delete for the given multiple of its time, and not at all with 0', async () => {
    for (const d of [1000, 2000, 3000]) await seed(db, d, 'complete', 50);
    const fast = await purge(db, { before: 1500, now: 5000, pause: 0 });
    expect([fast.removed, fast.pausedMs]).toEqual([[1000], 0]);
    const gentle = await purge(db, { before: 2500, now: 5000, pause: 2 });
    expect(gentle.removed).toEqual([2000]);
    const working = gentle.durationMs - gentle.pausedMs;
    // one pause per collection, each twice its delete: more than nothing, never more than twice the work
    expect(gentle.pausedMs).toBeGreaterThan(0);
    expect(gentle.pausedMs).toBeLessThanOrEqual(2 * working + PURGED_COLLECTIONS.length * 5);
    expect(Object.values(await countFor(2000)).every((n) => n === 0)).toBe(true);
  });

  it('stops pausing at once when aborted', async () => {
    await seed(db, 1000, 'complete', 50);
    await seed(db, 2000, 'complete', 50);
    const controller = new AbortController();
    const run = purge(db, { before: 1500, now: 5000, pause: 10, signal: controller.signal });
    setTimeout(() => controller.abort(), 5);
    const r = await run;
    expect(r.pausedMs).toBeLessThan(50); // unaborted: 10x the deletes of 7 collections
  });

  it('finishes an interrupted purge on the next run, whatever the policy', async () => {
    await seed(db, 1000, 'complete');
    await seed(db, 2000, 'complete');
    // a purge that stopped half-way: hidden, some documents already gone
    await db.collection('snapshots').updateOne({ date: 1000 }, { $set: { status: 'purging' } });
    await db.collection('instances').deleteMany({ date: 1000 });
    const r = await purge(db, { keep: [{ within: 10 * 365 * 86400, keep: 'all' }], now: 3000 });
    expect(r.removed).toEqual([1000]);
    expect(r.details[0]!.documents.instances).toBe(0);
    expect(r.details[0]!.documents.disks).toBe(3);
    expect(await db.collection('snapshots').countDocuments({ date: 1000 })).toBe(0);
    expect((await countFor(2000)).instances).toBe(3);
  });

  it('stops between snapshots when aborted; a re-run finishes the job', async () => {
    for (const d of [1000, 2000, 3000, 4000]) await seed(db, d, 'complete');
    const controller = new AbortController();
    const first = await purge(db, {
      before: 4000,
      now: 5000,
      signal: controller.signal,
      onProgress: ({ done }) => {
        if (done === 1) controller.abort();
      },
    });
    expect(first.interrupted).toBe(true);
    expect(first.removed).toEqual([1000]);
    expect((await countFor(2000)).instances).toBe(3);
    const second = await purge(db, { before: 4000, now: 5000 });
    expect(second.interrupted).toBe(false);
    expect(second.removed).toEqual([2000, 3000]);
    expect(await db.collection('snapshots').distinct('date')).toEqual([4000]);
  });

  it('leaves a snapshot alone when its status changed after planning', async () => {
    for (const d of [1000, 2000, 3000]) await seed(db, d, 'complete');
    const r = await purge(db, {
      before: 2500,
      now: 5000,
      onProgress: async ({ date }) => {
        // while 1000 is purged, 2000 changes under us (e.g. another process took it over)
        if (date === 1000) await db.collection('snapshots').updateOne({ date: 2000 }, { $set: { status: 'running' } });
      },
    });
    expect(r.removed).toEqual([1000]);
    expect(r.kept).toEqual([2000, 3000]);
    expect(r.reasons[2000]).toMatch(/left alone: became running/);
    expect((await countFor(2000)).instances).toBe(3);
  });

  it('never touches a date a crawl is writing, even while documents arrive', async () => {
    for (const d of [1000, 2000, 3000]) await seed(db, d, 'complete', 20);
    await db.collection('snapshots').insertOne({ date: 4000, status: 'running', expected: ['c1'], clusters: [] });
    let written = 0;
    let stop = false;
    const crawl = (async () => {
      while (!stop) {
        await db
          .collection('instances')
          .insertMany(
            Array.from({ length: 20 }, (_, i) => ({ date: 4000, cluster: 'c1', vmid: written + i, run: 'live' })),
          );
        written += 20;
      }
    })();
    const r = await purge(db, { before: 10_000, now: 10_000 });
    stop = true;
    await crawl;
    expect(written).toBeGreaterThan(0);
    expect(r.removed).toEqual([1000, 2000]);
    expect(r.kept).toEqual([3000, 4000]);
    expect(await db.collection('instances').countDocuments({ date: 4000 })).toBe(written);
    expect(await db.collection('snapshots').findOne({ date: 4000 })).toMatchObject({ status: 'running' });
  });

  it('applies a configured retention policy, or nothing when none is set', async () => {
    const H = 3600;
    const base = 300 * H; // on the hour
    for (const d of [0, 900, 1800, H, H + 900, 3 * H]) await seed(db, base + d, 'complete', 1);
    expect(await applyRetentionPolicy(db, undefined)).toBeNull();
    expect(await applyRetentionPolicy(db, '  ')).toBeNull();
    const r = await applyRetentionPolicy(db, '1h:all,1d:hourly', { now: base + 3 * H });
    // the first snapshot of each hour stays, the newest is in the keep-all tier
    expect(r!.removed).toEqual([base + 900, base + 1800, base + H + 900]);
    expect(r!.kept).toEqual([base, base + H, base + 3 * H]);
    expect(await applyRetentionPolicy(db, '1h:all,1d:hourly', { now: base + 3 * H })).toMatchObject({ removed: [] });
  });

  it('runs the configured policy on its schedule, and refuses a bad schedule or policy at start', async () => {
    const now = Math.floor(Date.now() / 1000);
    await seed(db, now - 10 * 86400, 'complete', 1);
    await seed(db, now - 60, 'complete', 1);
    expect(() => startRetentionSchedule(db, { policy: '1d:all', schedule: 'often' })).toThrowError(/not a valid cron/);
    expect(() => startRetentionSchedule(db, { policy: '1d:sometimes', schedule: '* * * * *' })).toThrowError(/kind/);
    startRetentionSchedule(db, { policy: undefined, schedule: '* * * * * *' }).stop();
    const task = startRetentionSchedule(db, { policy: '1d:all', schedule: '* * * * * *' });
    try {
      const deadline = Date.now() + 8000;
      while (
        Date.now() < deadline &&
        (await db.collection('snapshots').countDocuments({ date: now - 10 * 86400 })) > 0
      ) {
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      task.stop();
    }
    expect(await db.collection('snapshots').countDocuments({ date: now - 10 * 86400 })).toBe(0);
    expect(await db.collection('snapshots').countDocuments({ date: now - 60 })).toBe(1);
  });
});
