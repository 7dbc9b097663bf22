import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ScheduleError, slotDate, startSchedule } from '../../crawler/schedule.ts';
import { createLogger } from '../../shared/logger.ts';

describe('crawl schedule', () => {
  it('dates a crawl by its schedule slot, so every process of a slot gets the same date', () => {
    const fire = new Date(Date.UTC(2026, 10, 23, 12, 15, 0, 7));
    const late = new Date(Date.UTC(2026, 10, 23, 12, 15, 2, 950));
    expect(slotDate(fire, '*/15 * * * *')).toBe(Date.UTC(2026, 10, 23, 12, 15) / 1000);
    expect(slotDate(late, '*/15 * * * *')).toBe(slotDate(fire, '*/15 * * * *'));
    expect(slotDate(late, '*/5 * * * * *')).toBe(Date.UTC(2026, 10, 23, 12, 15, 2) / 1000);
  });

  it('never runs two crawls of one process at once', async () => {
    let running = 0;
    let most = 0;
    const dates: number[] = [];
    const task = startSchedule('* * * * * *', createLogger('silent'), async (date) => {
      running++;
      most = Math.max(most, running);
      dates.push(date);
      await sleep(1600);
      running--;
    });
    try {
      await sleep(4200);
    } finally {
      await task.stop();
      await task.destroy();
    }
    expect(dates.length).toBeGreaterThanOrEqual(2);
    expect(dates.length).toBeLessThanOrEqual(3);
    expect(most).toBe(1);
    for (const d of dates) expect(Number.isInteger(d)).toBe(true);
  });

  it('refuses a bad expression', () => {
    expect(() => startSchedule('every minute', createLogger('silent'), async () => {})).toThrow(ScheduleError);
  });
});
