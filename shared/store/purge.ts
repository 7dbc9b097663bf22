/**
 * Purge: removes whole snapshots (the `snapshots` document and every inventory document with its `date`).
 *
 * Safe while crawls and API reads go on, and resumable, without transactions:
 * 1. flip the snapshot's status to `purging` (readers only see `complete`/`partial`, so it disappears at once);
 * 2. delete its inventory documents collection by collection, by equality on `date` (cheap on FerretDB too);
 * 3. delete the snapshot document.
 * A run that stops half-way leaves a `purging` snapshot, which the next run (any policy) finishes first.
 * It never removes a `running` snapshot (a crawl still writing that date) nor the newest complete one.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from 'mongodb';
import cron from 'node-cron';
import type { Logger } from '../logger.ts';
import { INVENTORY } from './collections.ts';

export interface RetentionTier {
  /** seconds back from the newest published snapshot */
  within: number;
  keep: 'all' | 'hourly' | 'daily' | 'weekly';
}

export type PurgeErrorCode = 'BAD_KEEP' | 'BAD_BEFORE' | 'NO_POLICY' | 'BAD_SCHEDULE';

export class PurgeError extends Error {
  override name = 'PurgeError';
  constructor(
    readonly code: PurgeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Collections whose documents carry a snapshot `date`: the inventory and the per-cluster outcome records. The
 * snapshot document itself is removed last.
 */
export const PURGED_COLLECTIONS = [...INVENTORY, 'snapshot_outcomes'] as const;

const PUBLISHED = new Set(['complete', 'partial']);
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
const BUCKET_SECONDS = { hourly: 3600, daily: 86400, weekly: 604800 } as const;
const BUCKET_NAME = { hourly: 'hour', daily: 'day', weekly: 'week' } as const;
// 1970-01-01 was a Thursday: shift by 3 days so that weekly buckets start on Monday 00:00 UTC.
const WEEK_SHIFT = 3 * 86400;

/** `90m`, `48h`, `14d`, `2w`, `1y`, or compound `1d12h` → seconds; undefined when the text is no duration. */
export function parseDuration(text: string): number | undefined {
  const spec = text.trim().toLowerCase();
  if (!/^(\d+[smhdwy])+$/.test(spec)) return undefined;
  let total = 0;
  for (const [, n, unit] of spec.matchAll(/(\d+)([smhdwy])/g)) total += Number(n) * UNIT_SECONDS[unit as string]!;
  return total;
}

/** `48h:all,14d:hourly,365d:daily` → tiers, each `within` strictly longer than the one before. */
export function parseKeepPolicy(spec: string): RetentionTier[] {
  const parts = spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) {
    throw new PurgeError('BAD_KEEP', 'The keep policy is empty: give tiers like 48h:all,14d:hourly,365d:daily.');
  }
  const tiers: RetentionTier[] = [];
  for (const part of parts) {
    const m = /^([^:]+):([a-z]+)$/i.exec(part);
    const within = m ? parseDuration(m[1]!) : undefined;
    const keep = m?.[2]?.toLowerCase();
    if (!m || within === undefined || within <= 0) {
      throw new PurgeError(
        'BAD_KEEP',
        `Keep tier "${part}" is not DURATION:KIND (a duration like 48h, 14d, 2w, 1y, then all, hourly, daily or weekly).`,
      );
    }
    if (keep !== 'all' && keep !== 'hourly' && keep !== 'daily' && keep !== 'weekly') {
      throw new PurgeError('BAD_KEEP', `Keep tier "${part}": the kind must be all, hourly, daily or weekly.`);
    }
    const previous = tiers.at(-1);
    if (previous && within <= previous.within) {
      throw new PurgeError('BAD_KEEP', `Keep tier "${part}" must reach further back than the tier before it.`);
    }
    tiers.push({ within, keep });
  }
  return tiers;
}

/**
 * The cutoff for `--before`: an epoch-seconds date (as in the API paths), an ISO date or date-time
 * (a date alone is midnight UTC), or a duration back from `now` (`30d`). Snapshots strictly older go.
 */
export function parseBefore(spec: string, now: number): number {
  const text = spec.trim();
  const duration = parseDuration(text);
  let cutoff: number | undefined;
  if (duration !== undefined) cutoff = now - duration;
  else if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n < 1e9) {
      throw new PurgeError(
        'BAD_BEFORE',
        `"${text}" is ambiguous: give a duration with a unit (${text}d) or an epoch-seconds date.`,
      );
    }
    cutoff = n;
  } else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i.test(text)) {
    const iso = text.length === 10 ? `${text}T00:00:00Z` : text.replace(' ', 'T');
    const ms = Date.parse(/[zZ]|[+-]\d{2}:?\d{2}$/.test(iso.slice(10)) ? iso : `${iso}Z`);
    if (!Number.isNaN(ms)) cutoff = Math.floor(ms / 1000);
  }
  if (cutoff === undefined) {
    throw new PurgeError(
      'BAD_BEFORE',
      `"${text}" is not a date or a duration: use e.g. 30d, 12h, 2026-01-31, 2026-01-31T12:00:00Z or epoch seconds.`,
    );
  }
  if (cutoff > now) {
    throw new PurgeError('BAD_BEFORE', `"${text}" is in the future: nothing newer than now can be purged.`);
  }
  return cutoff;
}

export function formatDuration(seconds: number): string {
  for (const unit of ['y', 'w', 'd', 'h', 'm'] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}

const iso = (date: number) => new Date(date * 1000).toISOString().replace('.000Z', 'Z');

function bucketOf(date: number, keep: keyof typeof BUCKET_SECONDS): number {
  return keep === 'weekly'
    ? Math.floor((date + WEEK_SHIFT) / BUCKET_SECONDS.weekly)
    : Math.floor(date / BUCKET_SECONDS[keep]);
}

/**
 * Decides which snapshots go. Pure. Rules, in order:
 * - `running`: kept (a crawl is writing that date); `abandoned`: kept (the crawler's cleanup owns these
 *   tombstones); `purging`: removed (an interrupted purge is finished);
 * - the newest `complete` snapshot (or, when none is complete, the newest `partial`) is kept;
 * - `--before`: anything strictly older than the cutoff goes;
 * - `--keep` tiers, measured back from the newest published snapshot: the first tier that covers a snapshot's
 *   age decides; `all` keeps everything, `hourly`/`daily`/`weekly` keep the oldest published snapshot of each
 *   UTC hour/day/week (Monday) in that tier, so the kept one is stable from run to run; failed snapshots are
 *   kept only in an `all` tier; older than every tier goes.
 */
export function planPurge(
  snapshots: { date: number; status: string }[],
  opts: { before?: number; keep?: RetentionTier[]; now: number },
): { remove: number[]; keep: number[]; reasons: Record<number, string> } {
  if (opts.before === undefined && !opts.keep?.length) {
    throw new PurgeError('NO_POLICY', 'Nothing to decide: give --before or --keep.');
  }
  const sorted = [...snapshots].sort((a, b) => a.date - b.date);
  const newestOf = (status: string) => sorted.findLast((s) => s.status === status)?.date;
  const protectedDate = newestOf('complete') ?? newestOf('partial');
  const newestPublished = sorted.findLast((s) => PUBLISHED.has(s.status))?.date ?? opts.now;

  const reasons: Record<number, string> = {};
  const removeSet = new Set<number>();
  const bucketsTaken = new Set<string>();
  for (const { date, status } of sorted) {
    if (status === 'running') {
      reasons[date] = 'running: a crawl is writing it';
      continue;
    }
    if (status === 'abandoned') {
      reasons[date] = 'abandoned crawl: left to the crawler cleanup';
      continue;
    }
    if (status === 'purging') {
      reasons[date] = 'purging: finishing an interrupted purge';
      removeSet.add(date);
      continue;
    }
    if (date === protectedDate) {
      reasons[date] = `newest ${status} snapshot: always kept`;
      continue;
    }
    if (opts.before !== undefined && date < opts.before) {
      reasons[date] = `older than ${iso(opts.before)}`;
      removeSet.add(date);
      continue;
    }
    if (!opts.keep?.length) {
      reasons[date] = `not older than ${iso(opts.before!)}`;
      continue;
    }
    const age = Math.max(0, newestPublished - date);
    const tierIndex = opts.keep.findIndex((t) => age <= t.within);
    const tier = opts.keep[tierIndex];
    if (!tier) {
      reasons[date] = `older than the last keep tier (${formatDuration(opts.keep.at(-1)!.within)})`;
      removeSet.add(date);
      continue;
    }
    const label = `${formatDuration(tier.within)}:${tier.keep}`;
    if (tier.keep === 'all') {
      reasons[date] = `tier ${label}`;
      continue;
    }
    if (!PUBLISHED.has(status)) {
      reasons[date] = `${status} snapshot outside a keep-all tier (${label})`;
      removeSet.add(date);
      continue;
    }
    const bucket = `${tierIndex}:${bucketOf(date, tier.keep)}`;
    if (bucketsTaken.has(bucket)) {
      reasons[date] = `tier ${label}: an older snapshot represents its ${BUCKET_NAME[tier.keep]}`;
      removeSet.add(date);
    } else {
      bucketsTaken.add(bucket);
      reasons[date] = `tier ${label}: first of its ${BUCKET_NAME[tier.keep]}`;
    }
  }
  const remove = sorted.filter((s) => removeSet.has(s.date)).map((s) => s.date);
  const keep = sorted.filter((s) => !removeSet.has(s.date)).map((s) => s.date);
  return { remove, keep, reasons };
}

export interface PurgedSnapshot {
  date: number;
  status: string;
  reason: string;
  /** documents removed (or, in a dry run, that would be) per collection */
  documents: Record<string, number>;
}

export interface PurgeResult {
  removed: number[];
  kept: number[];
  /** totals per collection, `snapshots` included */
  documents: Record<string, number>;
  durationMs: number;
  dryRun: boolean;
  /** one entry per removed date, in the order they were processed */
  details: PurgedSnapshot[];
  /** reasons for every date, kept or removed */
  reasons: Record<number, string>;
  /** true when the signal stopped the run before every planned date was removed */
  interrupted: boolean;
  /** time spent waiting between deletes (the pause option), included in durationMs */
  pausedMs: number;
}

/** Waits `ratio` times `workedMs` (at most a minute), or until the signal aborts; returns the time waited. */
async function pauseAfter(workedMs: number, ratio: number, signal?: AbortSignal): Promise<number> {
  const ms = Math.min(workedMs * ratio, 60_000);
  if (ms <= 0 || signal?.aborted) return 0;
  const started = Date.now();
  await sleep(ms, undefined, signal ? { signal } : {}).catch(() => {}); // an abort ends the pause early
  return Date.now() - started;
}

export async function purge(
  db: Db,
  opts: {
    before?: number;
    keep?: RetentionTier[];
    dryRun?: boolean;
    now?: number;
    /** awaited: a slow callback slows the purge down */
    onProgress?: (p: { done: number; total: number; date: number }) => void | Promise<void>;
    signal?: AbortSignal;
    /**
     * After each delete, wait this many times as long as the delete took (0: full speed), so that the
     * database keeps serving the API and crawls while a large purge runs (STRATA_PURGE_PAUSE).
     */
    pause?: number;
    /** collections to clear besides the default inventory list (e.g. a summary collection keyed by date) */
    collections?: readonly string[];
  },
): Promise<PurgeResult> {
  const t0 = Date.now();
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const dryRun = opts.dryRun ?? false;
  const collections = [...new Set([...PURGED_COLLECTIONS, ...(opts.collections ?? [])])];
  const snapshotsCol = db.collection<{ date: number; status: string }>('snapshots');
  const snapshots = await snapshotsCol.find({}, { projection: { _id: 0, date: 1, status: 1 } }).toArray();
  const plan = planPurge(snapshots, { before: opts.before, keep: opts.keep, now });
  const statusOf = new Map(snapshots.map((s) => [s.date, s.status]));

  const totals: Record<string, number> = Object.fromEntries([...collections, 'snapshots'].map((c) => [c, 0]));
  const details: PurgedSnapshot[] = [];
  const removed: number[] = [];
  const skipped: number[] = [];
  let interrupted = false;
  let pausedMs = 0;

  for (const [i, date] of plan.remove.entries()) {
    if (opts.signal?.aborted) {
      interrupted = true;
      break;
    }
    const status = statusOf.get(date)!;
    const documents: Record<string, number> = {};
    if (dryRun) {
      for (const c of collections) documents[c] = await db.collection(c).countDocuments({ date });
      documents.snapshots = 1;
    } else {
      if (status !== 'purging') {
        // Conditional flip: if a crawl or another purge changed this snapshot since we read it, leave it alone.
        const flipped = await snapshotsCol.updateOne(
          { date, status },
          { $set: { status: 'purging', purgeStartedAt: Math.floor(Date.now() / 1000) } },
        );
        if (flipped.matchedCount === 0) {
          const current = await snapshotsCol.findOne({ date }, { projection: { status: 1 } });
          if (current?.status !== 'purging') {
            skipped.push(date);
            plan.reasons[date] = current ? `left alone: became ${current.status} during the purge` : 'already gone';
            await opts.onProgress?.({ done: i + 1, total: plan.remove.length, date });
            continue;
          }
        }
      }
      for (const c of collections) {
        const started = Date.now();
        documents[c] = (await db.collection(c).deleteMany({ date })).deletedCount;
        pausedMs += await pauseAfter(Date.now() - started, opts.pause ?? 0, opts.signal);
      }
      documents.snapshots = (await snapshotsCol.deleteOne({ date, status: 'purging' })).deletedCount;
    }
    for (const [c, n] of Object.entries(documents)) totals[c] = (totals[c] ?? 0) + n;
    details.push({ date, status, reason: plan.reasons[date]!, documents });
    removed.push(date);
    await opts.onProgress?.({ done: i + 1, total: plan.remove.length, date });
  }
  const kept = [...plan.keep, ...skipped].sort((a, b) => a - b);
  return {
    removed,
    kept,
    documents: totals,
    durationMs: Date.now() - t0,
    dryRun,
    details,
    reasons: plan.reasons,
    interrupted,
    pausedMs,
  };
}

/**
 * What the crawler daemon calls on its own schedule (STRATA_PURGE_SCHEDULE) to apply STRATA_RETENTION.
 * Returns null when no policy is configured (the default: keep everything). Running it from several
 * processes at once is harmless: the status flip is conditional and deletes by date are idempotent.
 */
export async function applyRetentionPolicy(
  db: Db,
  policy: string | undefined,
  opts: { now?: number; signal?: AbortSignal; pause?: number } = {},
): Promise<PurgeResult | null> {
  if (!policy?.trim()) return null;
  return purge(db, { keep: parseKeepPolicy(policy), now: opts.now, signal: opts.signal, pause: opts.pause });
}

/**
 * Runs applyRetentionPolicy on a cron schedule (STRATA_PURGE_SCHEDULE) with no overlapping runs, logging each
 * outcome; for the crawler daemon. Returns a no-op stopper when no policy is set (the default). A bad policy
 * or schedule throws at once, not at 3 a.m.
 */
export function startRetentionSchedule(
  db: Db,
  settings: { policy: string | undefined; schedule: string; pause?: number },
  logger?: Logger,
): { stop(): void } {
  if (!settings.policy?.trim()) return { stop() {} };
  parseKeepPolicy(settings.policy);
  if (!cron.validate(settings.schedule)) {
    throw new PurgeError(
      'BAD_SCHEDULE',
      `STRATA_PURGE_SCHEDULE "${settings.schedule}" is not a valid cron expression.`,
    );
  }
  const task = cron.schedule(
    settings.schedule,
    async () => {
      try {
        const r = await applyRetentionPolicy(db, settings.policy, { pause: settings.pause });
        if (r) {
          const documents = Object.values(r.documents).reduce((s, n) => s + n, 0);
          logger?.info(
            { removed: r.removed, kept: r.kept.length, documents, durationMs: r.durationMs },
            `retention: removed ${r.removed.length} snapshots`,
          );
        }
      } catch (e) {
        logger?.error({ error: (e as Error).message }, 'retention purge failed');
      }
    },
    {
      name: 'strata-retention',
      noOverlap: true,
      logger: {
        info: (m) => logger?.debug(m),
        warn: (m) => logger?.warn(m),
        error: (m: string | Error) => logger?.error(m instanceof Error ? m.message : m),
        debug: (m: string | Error) => logger?.debug(m instanceof Error ? m.message : m),
      },
    },
  );
  return { stop: () => void task.destroy() };
}
