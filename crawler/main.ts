import { setTimeout as sleep } from 'node:timers/promises';
import type { Config } from '../shared/config.ts';
import { nextCrawlRequest, updateCrawlRequest } from '../shared/crawl-requests.ts';
import { redisReady } from '../shared/redis.ts';
import { cleanupLeftovers } from '../shared/store/cleanup.ts';
import { startRetentionSchedule } from '../shared/store/purge.ts';
import { type CrawlerDeps, runCrawl } from './crawl-run.ts';
import { runOnDemand } from './on-demand.ts';
import { startSchedule } from './schedule.ts';

/**
 * The crawler daemon: cleans up after crashed crawls, crawls on the schedule (never overlapping), and serves
 * on-demand requests from the Redis queue. Several processes may run: they share each snapshot's clusters
 * through leases and take on-demand requests one each.
 */

export interface Crawler {
  stop(): Promise<void>;
}

export async function startCrawler(
  rt: CrawlerDeps,
  config: Pick<Config, 'STRATA_CRAWL_SCHEDULE'> &
    Partial<Pick<Config, 'STRATA_RETENTION' | 'STRATA_PURGE_SCHEDULE' | 'STRATA_PURGE_PAUSE'>>,
): Promise<Crawler> {
  const { logger } = rt;
  const report = await cleanupLeftovers(rt.db);
  if (report.abandoned.length || report.strayRuns) logger.info(report, 'leftovers of crashed crawls removed');

  // Retention (STRATA_RETENTION on STRATA_PURGE_SCHEDULE): nothing runs when no policy is set;
  // a bad policy or schedule fails the start before anything is scheduled.
  const retention = startRetentionSchedule(
    rt.db,
    {
      policy: config.STRATA_RETENTION,
      schedule: config.STRATA_PURGE_SCHEDULE ?? '30 3 * * *',
      pause: config.STRATA_PURGE_PAUSE,
    },
    logger,
  );

  let stopping = false;
  const running = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>) => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => {});
    return p;
  };

  const task = startSchedule(config.STRATA_CRAWL_SCHEDULE, logger, (date) =>
    track(runCrawl(rt, { date, trigger: 'schedule' })),
  );

  const blocking = rt.redis.duplicate();
  blocking.on('error', () => {}); // reported through the failing calls below
  await redisReady(blocking).catch(() => {});
  const serveRequests = async () => {
    while (!stopping) {
      let request: Awaited<ReturnType<typeof nextCrawlRequest>>;
      try {
        request = await nextCrawlRequest(blocking, 1);
      } catch (e) {
        if (!stopping) logger.warn({ error: (e as Error).message }, 'reading crawl requests failed');
        await sleep(1000);
        continue;
      }
      if (!request) continue;
      const r = request;
      logger.info({ cluster: r.cluster, request: r.id }, 'on-demand crawl requested');
      try {
        await updateCrawlRequest(rt.redis, r, { state: 'running' });
        const snap = await track(runOnDemand(rt, r.cluster));
        await updateCrawlRequest(rt.redis, r, {
          state: 'done',
          ...(snap ? { date: snap.date, status: snap.status } : {}),
        });
      } catch (e) {
        logger.warn({ cluster: r.cluster, error: (e as Error).message }, 'on-demand crawl failed');
        await updateCrawlRequest(rt.redis, r, { state: 'failed', error: (e as Error).message }).catch(() => {});
      }
    }
  };
  const serving = serveRequests();
  logger.info({ schedule: config.STRATA_CRAWL_SCHEDULE, crawler: rt.crawlerId }, 'crawler started');

  return {
    async stop() {
      stopping = true;
      retention.stop();
      await task.stop();
      await task.destroy();
      await serving;
      blocking.disconnect();
      await Promise.allSettled([...running]);
    },
  };
}
