import { describe, expect, it } from 'vitest';
import { PurgeError, parseBefore, parseDuration, parseKeepPolicy, planPurge } from '../../shared/store/purge.ts';

const H = 3600;
const D = 86400;
// 2026-03-02T00:00:00Z, a Monday
const MONDAY = Date.UTC(2026, 2, 2) / 1000;

describe('parseDuration / parseKeepPolicy', () => {
  it('reads single and compound durations', () => {
    expect(parseDuration('48h')).toBe(48 * H);
    expect(parseDuration('1d12h')).toBe(36 * H);
    expect(parseDuration('2w')).toBe(14 * D);
    expect(parseDuration('1y')).toBe(365 * D);
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('h')).toBeUndefined();
  });

  it('parses tiers in order', () => {
    expect(parseKeepPolicy('48h:all, 14d:hourly,365d:daily,2y:weekly')).toEqual([
      { within: 48 * H, keep: 'all' },
      { within: 14 * D, keep: 'hourly' },
      { within: 365 * D, keep: 'daily' },
      { within: 730 * D, keep: 'weekly' },
    ]);
  });

  it.each([
    ['', /empty/],
    ['48h', /not DURATION:KIND/],
    ['48x:all', /not DURATION:KIND/],
    ['48h:monthly', /kind must be all, hourly, daily or weekly/],
    ['14d:hourly,48h:all', /must reach further back than the tier before it/],
    ['0h:all', /not DURATION:KIND/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseKeepPolicy(spec)).toThrowError(message);
    try {
      parseKeepPolicy(spec);
    } catch (e) {
      expect(e).toBeInstanceOf(PurgeError);
      expect((e as PurgeError).code).toBe('BAD_KEEP');
    }
  });
});

describe('parseBefore', () => {
  const now = MONDAY + 12 * H;
  it('takes a duration back from now, an epoch date, an ISO date or date-time', () => {
    expect(parseBefore('30d', now)).toBe(now - 30 * D);
    expect(parseBefore(String(MONDAY), now)).toBe(MONDAY);
    expect(parseBefore('2026-03-02', now)).toBe(MONDAY);
    expect(parseBefore('2026-03-02T06:00:00Z', now)).toBe(MONDAY + 6 * H);
    expect(parseBefore('2026-03-02T08:00:00+02:00', now)).toBe(MONDAY + 6 * H);
    expect(parseBefore('2026-03-02 06:00', now)).toBe(MONDAY + 6 * H);
  });

  it.each([
    ['yesterday', /not a date or a duration/],
    ['30', /ambiguous/],
    ['2026-13-45', /not a date or a duration/],
    ['2099-01-01', /in the future/],
  ])('refuses %j', (spec, message) => {
    expect(() => parseBefore(spec, now)).toThrowError(message);
  });
});

describe('planPurge', () => {
  const snap = (date: number, status = 'complete') => ({ date, status });

  it('--before removes everything strictly older, except the newest complete and running snapshots', () => {
    const list = [snap(100), snap(200, 'failed'), snap(300, 'partial'), snap(400, 'running'), snap(500)];
    const plan = planPurge(list, { before: 300, now: 1000 });
    expect(plan.remove).toEqual([100, 200]);
    expect(plan.keep).toEqual([300, 400, 500]);
    expect(plan.reasons[100]).toMatch(/older than/);
    // everything older than the cutoff, but the newest complete (100 here) and the running one stay
    const all = planPurge([snap(100), snap(200, 'partial'), snap(300, 'running')], { before: 1000, now: 1000 });
    expect(all.remove).toEqual([200]);
    expect(all.keep).toEqual([100, 300]);
    expect(all.reasons[100]).toMatch(/newest complete/);
    expect(all.reasons[300]).toMatch(/running/);
  });

  it('keeps the newest partial when nothing is complete, and finishes interrupted purges', () => {
    const plan = planPurge([snap(100, 'purging'), snap(200, 'partial'), snap(300, 'partial')], {
      before: 1000,
      now: 1000,
    });
    expect(plan.remove).toEqual([100, 200]);
    expect(plan.keep).toEqual([300]);
    expect(plan.reasons[100]).toMatch(/interrupted purge/);
    // a purging snapshot goes whatever the policy
    expect(planPurge([snap(100, 'purging'), snap(900)], { before: 50, now: 1000 }).remove).toEqual([100]);
  });

  it('leaves abandoned tombstones to the crawler cleanup', () => {
    const plan = planPurge([snap(100, 'abandoned'), snap(900)], { before: 1000, now: 1000 });
    expect(plan.remove).toEqual([]);
  });

  it('applies tiers back from the newest published snapshot, keeping the oldest of each bucket', () => {
    const newest = MONDAY + 30 * D;
    const dates: number[] = [];
    // one crawl every 15 minutes for 40 days
    for (let t = newest - 40 * D; t <= newest; t += 15 * 60) dates.push(t);
    const keep = parseKeepPolicy('48h:all,14d:hourly,30d:daily');
    const plan = planPurge(
      dates.map((d) => snap(d)),
      { keep, now: newest + 5 * D },
    );
    const kept = new Set(plan.keep);
    // all of the last 48 h
    for (const d of dates.filter((d) => newest - d <= 48 * H)) expect(kept.has(d)).toBe(true);
    // one per hour between 48 h and 14 d: exactly the ones on the hour (the oldest of each hour)
    const hourly = dates.filter((d) => newest - d > 48 * H && newest - d <= 14 * D);
    for (const d of hourly) expect(kept.has(d), String(d)).toBe(d % H === 0);
    // one per day between 14 d and 30 d: midnight UTC
    const daily = dates.filter((d) => newest - d > 14 * D && newest - d <= 30 * D);
    for (const d of daily) expect(kept.has(d)).toBe(d % D === 0);
    // nothing older than 30 d
    for (const d of dates.filter((d) => newest - d > 30 * D)) expect(kept.has(d)).toBe(false);
    expect(plan.keep.length).toBe(48 * 4 + 1 + 12 * 24 + 16);
  });

  it('is stable: applying the same policy to what it kept removes nothing more', () => {
    const newest = MONDAY + 30 * D;
    const dates: number[] = [];
    for (let t = newest - 40 * D; t <= newest; t += 7 * 60) dates.push(t);
    const keep = parseKeepPolicy('6h:all,3d:hourly,20d:daily,60d:weekly');
    const first = planPurge(
      dates.map((d) => snap(d)),
      { keep, now: newest },
    );
    const second = planPurge(
      first.keep.map((d) => snap(d)),
      { keep, now: newest },
    );
    expect(second.remove).toEqual([]);
    // a day later (new crawls arrived) the older tiers only thin out what was kept, never need a removed one
    const later = [...first.keep, ...Array.from({ length: 200 }, (_, i) => newest + (i + 1) * 7 * 60)];
    const third = planPurge(
      later.map((d) => snap(d)),
      { keep, now: newest + D },
    );
    const keptThird = new Set(third.keep);
    // every weekly bucket that had a kept snapshot still has one
    const week = (d: number) => Math.floor((d + 3 * D) / (7 * D));
    const weeksBefore = new Set(first.keep.filter((d) => newest + D - d <= 60 * D).map(week));
    const weeksAfter = new Set([...keptThird].map(week));
    for (const w of weeksBefore) expect(weeksAfter.has(w)).toBe(true);
  });

  it('weekly buckets start on Monday 00:00 UTC, failed snapshots only survive in an all tier', () => {
    const newest = MONDAY + 21 * D;
    const list = [
      snap(MONDAY - D), // Sunday: previous week
      snap(MONDAY + H), // Monday: first of its week
      snap(MONDAY + 2 * D), // same week
      snap(MONDAY + 20 * D, 'failed'),
      snap(MONDAY + 21 * D - H, 'failed'),
      snap(newest),
    ];
    const plan = planPurge(list, { keep: parseKeepPolicy('2h:all,60d:weekly'), now: newest });
    expect(plan.keep).toEqual([MONDAY - D, MONDAY + H, MONDAY + 21 * D - H, newest]);
    expect(plan.reasons[MONDAY + 20 * D]).toMatch(/failed snapshot outside a keep-all tier/);
  });

  it('combines --before and --keep (either removes) and refuses to plan with neither', () => {
    const list = [snap(1000), snap(1000 + H), snap(1000 + 2 * H)];
    const plan = planPurge(list, { before: 1000 + H, keep: parseKeepPolicy('10d:all'), now: 1000 + 2 * H });
    expect(plan.remove).toEqual([1000]);
    expect(() => planPurge(list, { now: 0 })).toThrowError(/give --before or --keep/);
  });
});
