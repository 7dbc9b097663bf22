import type { Command } from 'commander';
import { runCrawl } from '../../crawler/crawl-run.ts';
import { startCrawler } from '../../crawler/main.ts';
import { runOnDemand } from '../../crawler/on-demand.ts';
import { openCrawlerRuntime } from '../../crawler/runtime.ts';
import { loadConfig } from '../../shared/config.ts';
import { cleanupLeftovers } from '../../shared/store/cleanup.ts';
import type { SnapshotDoc } from '../../shared/store/schemas.ts';

function printSnapshot(snap: SnapshotDoc | null, json: boolean): void {
  if (!snap) {
    process.stdout.write(json ? 'null\n' : 'nothing crawled: no enabled cluster in the registry\n');
    return;
  }
  if (json) {
    process.stdout.write(`${JSON.stringify(snap, null, 2)}\n`);
    return;
  }
  const seconds = snap.finishedAt ? ((snap.finishedAt.getTime() - snap.startedAt.getTime()) / 1000).toFixed(1) : '-';
  process.stdout.write(
    `snapshot ${snap.date} (${new Date(snap.date * 1000).toISOString()}): ${snap.status} in ${seconds} s\n`,
  );
  for (const c of snap.clusters) {
    const what = c.ok
      ? `${c.counts.nodes} nodes, ${c.counts.instances} guests, ${c.counts.disks} disks, ${c.counts.storages} storages, ${c.counts.backups} backups; ${c.calls} calls in ${c.durationMs} ms${c.copiedFrom ? ` (copied from ${c.copiedFrom})` : ''}`
      : `FAILED: ${c.error}`;
    process.stdout.write(`  ${c.name}: ${what}\n`);
    for (const w of c.warnings ?? []) process.stdout.write(`    warning: ${w}\n`);
  }
}

export function register(program: Command): void {
  program
    .command('crawl')
    .description('crawl the registered clusters: on the schedule (STRATA_CRAWL_SCHEDULE), or once with --once')
    .option('--once', 'crawl every enabled cluster now, publish the snapshot and exit')
    .option('--cluster <name>', 'with --once: crawl this cluster now and copy the others from the last snapshot')
    .option('--json', 'with --once: print the snapshot document as JSON')
    .option('--cleanup', 'remove leftovers of crashed crawls, scanning every inventory collection, and exit')
    .action(async (opts: { once?: boolean; cluster?: string; json?: boolean; cleanup?: boolean }, cmd: Command) => {
      if (opts.cluster && !opts.once) {
        cmd.error('strata: --cluster needs --once (the daemon takes on-demand requests from the API)', {
          exitCode: 2,
          code: 'strata.usage',
        });
      }
      const config = loadConfig();
      const rt = await openCrawlerRuntime(config);
      try {
        if (opts.cleanup) {
          const report = await cleanupLeftovers(rt.db, { scanInventory: true });
          process.stdout.write(
            `abandoned snapshots: ${report.abandoned.join(', ') || 'none'}; stray runs removed: ${report.strayRuns}; dates without a snapshot removed: ${report.orphanDates.join(', ') || 'none'}\n`,
          );
          return;
        }
        if (opts.once) {
          const date = Math.floor(Date.now() / 1000);
          const snap = opts.cluster
            ? await runOnDemand(rt, opts.cluster)
            : await runCrawl(rt, { date, trigger: 'once' });
          printSnapshot(snap, Boolean(opts.json));
          if (snap?.status === 'failed') process.exitCode = 1;
          return;
        }
        const crawler = await startCrawler(rt, config);
        await new Promise<void>((resolve) => {
          const stop = () => {
            rt.logger.info('stopping: waiting for running crawls');
            crawler.stop().then(resolve, resolve);
          };
          process.once('SIGINT', stop);
          process.once('SIGTERM', stop);
        });
      } finally {
        await rt.close();
      }
    });
}
