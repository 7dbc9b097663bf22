import type { Db } from 'mongodb';
import { snapshots } from '../../../shared/store/collections.ts';
import { PUBLISHED_STATUSES, READABLE_STATUSES, type SnapshotDoc } from '../../../shared/store/schemas.ts';
import { notFound } from '../../query/errors.ts';
import type { DateRef } from '../../query/params.ts';

/**
 * The published snapshots, newest first, held in memory and refreshed in the background.
 *
 * Listing snapshots costs a read of the whole `snapshots` collection on FerretDB (no index use), so it is
 * not done per request: the list is re-read at most every `refreshMs`, and a request arriving after that
 * gets the current list at once while the refresh runs (a new snapshot shows within about refreshMs). Only
 * the first request waits. Dates that disappear (purge) are reported through `onRemoved` so the caller can
 * drop what it cached from them.
 */
export interface SnapshotSummary {
  date: number;
  status: SnapshotDoc['status'];
  trigger: SnapshotDoc['trigger'];
  startedAt: Date;
  finishedAt: Date | null;
  expected: string[];
  clusters: {
    name: string;
    kind: 'pve' | 'pbs';
    ok: boolean;
    error?: string;
    counts: SnapshotDoc['clusters'][number]['counts'];
    durationMs: number;
    copiedFrom?: number;
  }[];
  totals: SnapshotDoc['totals'] | null;
}

const READABLE = new Set<string>(READABLE_STATUSES);
const WARM_MS = 10_000;

/** Waits for a cache warm-up at most WARM_MS; its failure only means colder reads. */
async function warm(work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work.catch(() => {}), new Promise((r) => (timer = setTimeout(r, WARM_MS)))]);
  clearTimeout(timer);
}

export function summarize(s: SnapshotDoc): SnapshotSummary {
  return {
    date: s.date,
    status: s.status,
    trigger: s.trigger,
    startedAt: s.startedAt,
    finishedAt: s.finishedAt ?? null,
    expected: s.expected ?? [],
    clusters: (s.clusters ?? []).map((o) => ({
      name: o.name,
      kind: o.kind,
      ok: o.ok,
      ...(o.error ? { error: o.error } : {}),
      counts: o.counts,
      durationMs: o.durationMs,
      ...(o.copiedFrom ? { copiedFrom: o.copiedFrom } : {}),
    })),
    totals: s.totals ?? null,
  };
}

export class SnapshotIndex {
  private list: SnapshotSummary[] = [];
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly db: Db,
    private readonly refreshMs: number,
    private readonly onRemoved: (dates: number[]) => void = () => {},
    /**
     * Runs when a refresh finds a newer readable snapshot, before `last` moves to it: the data services
     * load its guests into the cache here, so the requests that follow `last` never all wait on the
     * database at once (that wait is what a purge running alongside makes long). Bounded by WARM_MS.
     */
    private readonly onNewest: (s: SnapshotSummary) => Promise<unknown> = async () => {},
  ) {}

  /** Re-reads the list now (after a purge or a crawl in this process, and in tests). */
  async refresh(): Promise<void> {
    if (this.loading) return this.loading;
    this.loading = (async () => {
      try {
        const docs = await snapshots(this.db)
          // Rollups are read per date when asked for (capacity), not with the list.
          .find(
            { status: { $in: [...PUBLISHED_STATUSES] } },
            { projection: { _id: 0, rollups: 0, 'clusters.rollup': 0, 'clusters.callsByEndpoint': 0 } },
          )
          .toArray();
        const next = docs.map(summarize).sort((a, b) => b.date - a.date);
        const newest = next.find((s) => READABLE.has(s.status));
        const current = this.list.find((s) => READABLE.has(s.status));
        if (this.loadedAt !== 0 && newest && newest.date !== current?.date) await warm(this.onNewest(newest));
        const kept = new Set(next.map((s) => s.date));
        const removed = this.list.filter((s) => !kept.has(s.date)).map((s) => s.date);
        this.list = next;
        this.loadedAt = Date.now();
        if (removed.length) this.onRemoved(removed);
      } finally {
        this.loading = null;
      }
    })();
    return this.loading;
  }

  /** Published snapshots, newest first (failed ones included: they have no inventory). */
  async all(): Promise<SnapshotSummary[]> {
    if (this.loadedAt === 0) await this.refresh();
    else if (Date.now() - this.loadedAt > this.refreshMs) void this.refresh().catch(() => {});
    return this.list;
  }

  /** Snapshots that hold inventory (complete or partial), newest first. */
  async readable(): Promise<SnapshotSummary[]> {
    return (await this.all()).filter((s) => READABLE.has(s.status));
  }

  /**
   * The snapshot a date parameter names: `last` is the newest readable one. A date that is not a published,
   * readable snapshot is a 404 that says which dates exist.
   */
  async resolve(ref: DateRef): Promise<SnapshotSummary> {
    const readable = await this.readable();
    if (ref === 'last') {
      const s = readable[0];
      if (!s) throw notFound('no_snapshot', 'There is no published snapshot yet: wait for the first crawl to finish.');
      return s;
    }
    let s = readable.find((x) => x.date === ref);
    if (!s) {
      // A snapshot published since the last refresh: look once more before answering 404.
      await this.refresh();
      s = (await this.readable()).find((x) => x.date === ref);
    }
    if (!s) {
      const any = this.list.find((x) => x.date === ref);
      const why = any
        ? `its crawl ${any.status === 'failed' ? 'failed' : 'is not finished'}`
        : 'no snapshot has that date';
      const newest = readable[0]?.date;
      throw notFound(
        'unknown_date',
        `Snapshot ${ref} cannot be read: ${why}.${newest ? ` The newest is ${newest}; GET /api/v1/static/dates/all lists them all.` : ''}`,
      );
    }
    return s;
  }
}
