import { describe, expect, it } from 'vitest';
import { services } from '../support/services.ts';
import { recordFigure } from './support/figures.ts';
import { describeFigures, runLoadScenario } from './support/load-scenario.ts';
import { logFolder, strataEnv } from './support/processes.ts';

/**
 * Reads under load: 64 connections on the read routes, idle and then while crawler processes crawl and a
 * purge runs, and idle again. No request may fail, and the busy p99 must stay within twice the idle p99 (the
 * mean of the two idle runs). CI runs 10 s each
 * (LOAD_DURATION_S to change it); `npm run bench:load -- --duration 60` is the full run for the README.
 */

const DURATION_S = Number(process.env.LOAD_DURATION_S ?? 10);

describe('the read API under load', () => {
  it('answers every request, and its p99 during a crawl and a purge stays within 2x of idle', async () => {
    const s = services();
    const report = await runLoadScenario({
      durationS: DURATION_S,
      connections: 64,
      oldSnapshots: 12,
      backgroundNice: 10,
      apiNice: -5,
      crawlsInBusyRun: 'one',
      mongoUri: s.mongoUri,
      redisUrl: s.redisUrl,
      env: strataEnv,
      log: (line) => console.log(line),
      logDir: logFolder(),
    });
    console.log(describeFigures('idle', report.idle));
    console.log(describeFigures('busy', report.busy));
    recordFigure('load', report);
    for (const f of [...report.idleRuns, report.busy]) {
      expect(f.requests).toBeGreaterThan(0);
      expect(f.non2xx).toBe(0);
      expect(f.errors).toBe(0);
      expect(f.timeouts).toBe(0);
    }
    // The background work really ran during the busy window.
    expect(report.crawls.started).toBeGreaterThanOrEqual(1);
    expect(report.crawls.statuses.every((st) => st === 'complete')).toBe(true);
    expect(report.purge.exitCode).toBe(0);
    expect(report.purge.removed).toBeGreaterThan(0);
    expect(report.purge.overlappedMs).toBeGreaterThan(0);
    expect(report.busy.p99).toBeLessThanOrEqual(2 * report.idle.p99);
  }, 300_000);
});
