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
 * The instant a date argument names: `last` (the newest date), epoch seconds, `2026-01-31` (the end of that UTC
 * day), an ISO date-time, or with `relativeTo` a duration back from it (`7d`). undefined: not a date argument.
 */
export function specTime(
  spec: string,
  dates: readonly number[],
  relativeTo?: number,
): { time: number; exact: boolean; what: string } | undefined {
  const text = spec.trim();
  if (text === 'last') return dates.length ? { time: dates.at(-1)!, exact: true, what: 'last' } : undefined;
  if (/^\d+$/.test(text)) return { time: Number(text), exact: true, what: text };
  const duration = parseDuration(text);
  if (duration !== undefined && relativeTo !== undefined) {
    const time = relativeTo - duration;
    return { time, exact: false, what: `${isoDate(time)} (${text} before ${isoDate(relativeTo)})` };
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const ms = Date.parse(`${text}T23:59:59Z`);
    if (!Number.isNaN(ms)) return { time: ms / 1000, exact: false, what: `the end of ${text} (UTC)` };
  }
  if (/^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/.test(text)) {
    const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text.slice(16)) ? text : `${text}Z`;
    const ms = Date.parse(withZone.replace(' ', 'T'));
    if (!Number.isNaN(ms)) return { time: Math.floor(ms / 1000), exact: false, what: text };
  }
  return undefined;
}

export function badDate(text: string, durations: boolean): ReportError {
  return new ReportError(
    'BAD_DATE',
    `"${text.trim()}" is not a snapshot date: use last, epoch seconds, 2026-01-31, 2026-01-31T12:00Z${durations ? ' or a duration like 7d' : ''}.`,
  );
}

/**
 * Resolves a date argument to a readable snapshot: `last` is the newest, epoch seconds must be a snapshot's
 * exact date, any other form picks the newest snapshot at or before the instant it names (see specTime).
 */
export function pickDate(spec: string, dates: readonly number[], relativeTo?: number): number {
  if (dates.length === 0) throw new ReportError('NO_SNAPSHOT', 'There is no readable snapshot yet: run a crawl first.');
  const at = specTime(spec, dates, relativeTo);
  if (!at) throw badDate(spec, relativeTo !== undefined);
  if (at.exact) {
    if (!dates.includes(at.time)) {
      throw new ReportError('NO_SNAPSHOT', `No readable snapshot has date ${at.time} (newest: ${dates.at(-1)}).`);
    }
    return at.time;
  }
  const found = dates.findLast((d) => d <= at.time);
  if (found === undefined) throw new ReportError('NO_SNAPSHOT', `No readable snapshot at or before ${at.what}.`);
  return found;
}

export async function loadSnapshot(db: Db, date: number): Promise<SnapshotDoc> {
  const snapshot = await db.collection<SnapshotDoc>('snapshots').findOne({ date }, { projection: { _id: 0 } });
  if (!snapshot || !(READABLE_STATUSES as readonly string[]).includes(snapshot.status)) {
    throw new ReportError('NO_SNAPSHOT', `Snapshot ${date} is not readable (it may have just been purged).`);
  }
  return snapshot;
}
