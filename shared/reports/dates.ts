/** Which snapshot a report reads: `last`, an exact snapshot date, an ISO date/time, or a duration back. */
import type { Db } from 'mongodb';
import { parseDuration } from '../store/purge.ts';
import { READABLE_STATUSES, type SnapshotDoc } from '../store/schemas.ts';
import { publishedDates } from '../store/snapshots.ts';
import { isoDate } from './format.ts';
import { ReportError } from './model.ts';

/** Readable (complete or partial) snapshot dates, oldest first. The snapshots collection is small. */
export async function readableDates(db: Db): Promise<number[]> {
  return (await publishedDates(db)).reverse();
}

/**
 * Resolves a date argument against the readable dates:
 * - `last`: the newest; an integer: that exact snapshot date (epoch seconds, as in the API);
 * - `2026-01-31` (end of that UTC day) or an ISO date-time: the newest snapshot at or before it;
 * - a duration (`7d`) with `relativeTo`: the newest snapshot at or before `relativeTo - duration`.
 */
export function pickDate(spec: string, dates: readonly number[], relativeTo?: number): number {
  const text = spec.trim();
  const atOrBefore = (t: number, what: string) => {
    const found = dates.findLast((d) => d <= t);
    if (found === undefined) throw new ReportError('NO_SNAPSHOT', `No readable snapshot at or before ${what}.`);
    return found;
  };
  if (dates.length === 0) throw new ReportError('NO_SNAPSHOT', 'There is no readable snapshot yet: run a crawl first.');
  if (text === 'last') return dates.at(-1)!;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (!dates.includes(n)) {
      throw new ReportError('NO_SNAPSHOT', `No readable snapshot has date ${text} (newest: ${dates.at(-1)}).`);
    }
    return n;
  }
  const duration = parseDuration(text);
  if (duration !== undefined && relativeTo !== undefined) {
    return atOrBefore(
      relativeTo - duration,
      `${isoDate(relativeTo - duration)} (${text} before ${isoDate(relativeTo)})`,
    );
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T23:59:59Z`);
    if (!Number.isNaN(ms)) return atOrBefore(ms / 1000, `the end of ${text} (UTC)`);
  }
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(16)) ? text : `${text}Z`;
    const ms = Date.parse(withZone.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return atOrBefore(Math.floor(ms / 1000), text);
  }
  throw new ReportError(
    'BAD_DATE',
    `"${text}" is not a snapshot date: use last, epoch seconds, 2026-01-31, 2026-01-31T12:00Z${relativeTo === undefined ? '' : ' or a duration like 7d'}.`,
  );
}

export async function loadSnapshot(db: Db, date: number): Promise<SnapshotDoc> {
  const snapshot = await db.collection<SnapshotDoc>('snapshots').findOne({ date }, { projection: { _id: 0 } });
  if (!snapshot || !(READABLE_STATUSES as readonly string[]).includes(snapshot.status)) {
    throw new ReportError('NO_SNAPSHOT', `Snapshot ${date} is not readable (it may have just been purged).`);
  }
  return snapshot;
}
