/** What every report builder starts from: the resolved snapshot(s) and the clusters it covers. */
import type { Db } from 'mongodb';
import type { SnapshotDoc } from '../store/schemas.ts';
import { badDate, loadSnapshot, pickDate, readableDates, specTime } from './dates.ts';
import { isoDate } from './format.ts';
import { type Cell, ReportError } from './model.ts';

export interface ReportOptions {
  /** `last` (default), epoch seconds, ISO date or date-time */
  date?: string;
  /** the older side for `changes`, the start of the history for `capacity`; also a duration back from date */
  compare?: string;
  /** restrict to these registry names */
  clusters?: string[];
  /** backups: a guest is covered when its newest backup is at most this old (hours) at the snapshot date */
  maxAgeHours?: number;
  /** when the report is generated (epoch seconds), for its metadata */
  now?: number;
}

export interface ClusterRef {
  name: string;
  kind: 'pve' | 'pbs';
  ok: boolean;
}

export interface ReportContext {
  db: Db;
  date: number;
  snapshot: SnapshotDoc;
  dates: number[];
  /** clusters of the snapshot after the --cluster filter, sorted by name */
  clusters: ClusterRef[];
  /** every cluster of the snapshot (PBS backups are matched against all PVE guests) */
  allClusters: ClusterRef[];
  compare?: { date: number; snapshot: SnapshotDoc };
  /** capacity: where the history for growth estimates starts (epoch seconds) */
  historyStart: number;
  /** the --cluster names, when given */
  filter?: string[];
  now: number;
}

/** History window for growth estimates when --compare is not given. */
export const DEFAULT_HISTORY_SECONDS = 30 * 86400;

/**
 * `compare`: --compare names the older snapshot of a diff (default: the one before --date); `history`:
 * --compare names the start of a history window (any instant, default 30 days before --date).
 */
export async function openContext(
  db: Db,
  opts: ReportOptions,
  mode: 'compare' | 'history' | 'none' = 'none',
): Promise<ReportContext> {
  const dates = await readableDates(db);
  const date = pickDate(opts.date ?? 'last', dates);
  const snapshot = await loadSnapshot(db, date);
  const allClusters = snapshot.clusters
    .map((c) => ({ name: c.name, kind: c.kind, ok: c.ok }))
    .sort((a, b) => a.name.localeCompare(b.name));
  let clusters = allClusters;
  if (opts.clusters?.length) {
    const known = new Set([...allClusters.map((c) => c.name), ...snapshot.expected]);
    const unknown = opts.clusters.filter((c) => !known.has(c));
    if (unknown.length) {
      throw new ReportError(
        'UNKNOWN_CLUSTER',
        `Unknown cluster ${unknown.map((c) => `"${c}"`).join(', ')} in snapshot ${date} (known: ${[...known].sort().join(', ') || 'none'}).`,
      );
    }
    clusters = allClusters.filter((c) => opts.clusters!.includes(c.name));
  }
  let compare: ReportContext['compare'];
  let historyStart = date - DEFAULT_HISTORY_SECONDS;
  if (mode === 'history' && opts.compare !== undefined) {
    const at = specTime(opts.compare, dates, date);
    if (!at) throw badDate(opts.compare, true);
    historyStart = at.time;
  } else if (opts.compare !== undefined || mode === 'compare') {
    let compareDate: number;
    if (opts.compare === undefined) {
      const before = dates.filter((d) => d < date).at(-1);
      if (before === undefined) {
        throw new ReportError('NO_SNAPSHOT', `No readable snapshot before ${date} to compare with: give --compare.`);
      }
      compareDate = before;
    } else compareDate = pickDate(opts.compare, dates, date);
    if (compareDate === date) {
      throw new ReportError('BAD_ARGUMENT', `--compare resolves to the same snapshot as --date (${date}).`);
    }
    compare = { date: compareDate, snapshot: await loadSnapshot(db, compareDate) };
  }
  return {
    db,
    date,
    snapshot,
    dates,
    clusters,
    allClusters,
    compare,
    historyStart,
    filter: opts.clusters?.length ? opts.clusters : undefined,
    now: opts.now ?? Math.floor(Date.now() / 1000),
  };
}

export function baseMeta(ctx: ReportContext): [string, Cell][] {
  const meta: [string, Cell][] = [
    ['snapshot', `${ctx.date} (${isoDate(ctx.date)}, ${ctx.snapshot.status})`],
    ['clusters', ctx.clusters.map((c) => (c.ok ? c.name : `${c.name} (failed)`)).join(', ')],
    ['generated', isoDate(ctx.now)],
  ];
  if (ctx.compare) meta.splice(1, 0, ['compared with', `${ctx.compare.date} (${isoDate(ctx.compare.date)})`]);
  return meta;
}
