/** Month-grid maths for the snapshot calendar. Weeks start on Monday. */

export interface CalendarDay {
  key: string; // YYYY-MM-DD
  day: number;
  inMonth: boolean;
}

const pad = (n: number) => String(n).padStart(2, '0');

export function monthKey(year: number, month0: number): string {
  const d = new Date(Date.UTC(year, month0, 1));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
}

export function parseMonth(key: string): { year: number; month0: number } {
  const m = /^(\d{4})-(\d{2})$/.exec(key);
  if (!m) throw new Error(`not a month: ${key}`);
  return { year: Number(m[1]), month0: Number(m[2]) - 1 };
}

export function shiftMonth(key: string, delta: number): string {
  const { year, month0 } = parseMonth(key);
  return monthKey(year, month0 + delta);
}

/** Six rows of seven days covering the month, with the neighbouring months' days marked. */
export function monthGrid(key: string): CalendarDay[][] {
  const { year, month0 } = parseMonth(key);
  const first = new Date(Date.UTC(year, month0, 1));
  const lead = (first.getUTCDay() + 6) % 7; // Monday = 0
  const weeks: CalendarDay[][] = [];
  for (let w = 0; w < 6; w++) {
    const week: CalendarDay[] = [];
    for (let i = 0; i < 7; i++) {
      const d = new Date(Date.UTC(year, month0, 1 - lead + w * 7 + i));
      week.push({
        key: `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`,
        day: d.getUTCDate(),
        inMonth: d.getUTCMonth() === month0,
      });
    }
    weeks.push(week);
  }
  return weeks;
}

export function monthTitle(key: string): string {
  const { year, month0 } = parseMonth(key);
  return new Date(Date.UTC(year, month0, 1)).toLocaleDateString('en-GB', {
    month: 'long',
    year: 'numeric',
    timeZone: 'UTC',
  });
}
