import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from '../shared/logger.ts';

/**
 * The crawl schedule. A snapshot's date is its schedule slot: the fire time floored to the cron expression's
 * resolution (the minute for 5 fields, the second for 6), so every crawler process of one slot arrives at
 * the same date and they share the work of one snapshot instead of making several.
 */

export function slotDate(fireTime: Date, expression: string): number {
  const seconds = Math.floor(fireTime.getTime() / 1000);
  const hasSeconds = expression.trim().split(/\s+/).length === 6;
  return hasSeconds ? seconds : seconds - (seconds % 60);
}

export class ScheduleError extends Error {
  readonly code = 'BAD_SCHEDULE';
}

export function startSchedule(
  expression: string,
  logger: Logger,
  crawl: (date: number) => Promise<unknown>,
): ScheduledTask {
  if (!cron.validate(expression)) {
    throw new ScheduleError(`STRATA_CRAWL_SCHEDULE "${expression}" is not a valid cron expression.`);
  }
  const task = cron.schedule(
    expression,
    async (ctx) => {
      const date = slotDate(ctx.date ?? ctx.triggeredAt ?? new Date(), expression);
      try {
        await crawl(date);
      } catch (e) {
        logger.error({ date, error: (e as Error).message }, 'scheduled crawl failed');
      }
    },
    {
      name: 'strata-crawl',
      // A crawl still running when the next slot comes: that slot is skipped, never run alongside.
      noOverlap: true,
      logger: {
        info: (m) => logger.debug(m),
        warn: (m) => logger.warn(m),
        error: (m: string | Error) => logger.error(m instanceof Error ? m.message : m),
        debug: (m: string | Error) => logger.debug(m instanceof Error ? m.message : m),
      },
    },
  );
  return task;
}
