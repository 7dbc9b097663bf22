/** `strata purge`: remove old snapshots by date (`--before`) or by retention tiers (`--keep`). */
import { type Command, InvalidArgumentError, Option } from 'commander';
import type { Db } from 'mongodb';
import { audit } from '../../api/audit.ts';
import { loadConfig } from '../../shared/config.ts';
import { isoDate } from '../../shared/reports/format.ts';
import {
  formatDuration,
  PURGED_COLLECTIONS,
  type PurgeResult,
  parseBefore,
  parseKeepPolicy,
  purge,
  type RetentionTier,
} from '../../shared/store/purge.ts';
import { progressBar } from '../cli/progress.ts';
import { cliActor, withDatabase } from '../database.ts';

const asArgument =
  <T>(parse: (v: string) => T) =>
  (value: string): T => {
    try {
      return parse(value);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };

interface PurgeOptions {
  before?: number;
  keep?: RetentionTier[];
  dryRun?: boolean;
  json?: boolean;
  verbose?: boolean;
  progress?: boolean;
  pause?: number;
}

function parsePause(v: string): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0 || n > 10)
    throw new Error(`--pause must be a number from 0 to 10, got "${v}"`);
  return n;
}

const COLUMNS = [...PURGED_COLLECTIONS, 'snapshots'];

function pad(cells: string[], widths: number[]): string {
  return cells
    .map((c, i) => c.padEnd(widths[i]!))
    .join('  ')
    .trimEnd();
}

/** The human summary: one line per removed date with its document counts, then totals and time. */
export function formatPurgeResult(r: PurgeResult, verbose = false): string {
  const lines: string[] = [];
  const head = ['date', 'time (UTC)', 'status', ...COLUMNS, 'reason'];
  const rows = r.details.map((d) => [
    String(d.date),
    isoDate(d.date),
    d.status,
    ...COLUMNS.map((c) => String(d.documents[c] ?? 0)),
    d.reason,
  ]);
  if (verbose) {
    for (const date of r.kept)
      rows.push([String(date), isoDate(date), 'kept', ...COLUMNS.map(() => ''), r.reasons[date] ?? '']);
    rows.sort((a, b) => Number(a[0]) - Number(b[0]));
  }
  if (rows.length) {
    const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
    lines.push(pad(head, widths), ...rows.map((row) => pad(row, widths)));
  }
  const docs = Object.values(r.documents).reduce((s, n) => s + n, 0);
  const perCollection = COLUMNS.map((c) => `${c} ${r.documents[c] ?? 0}`).join(', ');
  const seconds = (r.durationMs / 1000).toFixed(1);
  const removedDates = r.removed.length ? ` (${r.removed.join(', ')})` : '';
  lines.push(
    r.dryRun
      ? `Dry run: would remove ${r.removed.length} snapshots${removedDates} and ${docs} documents (${perCollection}); ${r.kept.length} kept. Counted in ${seconds} s; nothing was changed.`
      : `Removed ${r.removed.length} snapshots${removedDates} and ${docs} documents (${perCollection}) in ${seconds} s${r.pausedMs ? ` (${(r.pausedMs / 1000).toFixed(1)} s of it paused for readers)` : ''}; ${r.kept.length} kept.`,
  );
  if (r.interrupted) {
    lines.push('Interrupted: the remaining snapshots are untouched; run the same command again to finish.');
  }
  return `${lines.join('\n')}\n`;
}

/** Purges are changes: each run (not a dry run) goes to the audit log as done from the command line. */
function auditPurge(db: Db, opts: PurgeOptions, outcome: 'success' | 'failure', details: Record<string, unknown>) {
  const policy = [
    opts.before === undefined ? '' : `before=${opts.before}`,
    opts.keep ? `keep=${opts.keep.map((t) => `${formatDuration(t.within)}:${t.keep}`).join(',')}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  return audit(db, { actor: cliActor(), action: 'snapshot.purge', target: policy, outcome, address: 'cli', details });
}

export function register(program: Command): void {
  program
    .command('purge')
    .description('remove old snapshots: all older than a date, or thinned by retention tiers')
    .addOption(
      new Option(
        '--before <date|duration>',
        'remove every snapshot strictly older than this: 30d, 12h, 2026-01-31, 2026-01-31T12:00:00Z or epoch seconds',
      ).argParser(asArgument((v) => parseBefore(v, Math.floor(Date.now() / 1000)))),
    )
    .addOption(
      new Option(
        '--keep <tiers>',
        'retention tiers DURATION:all|hourly|daily|weekly, newest first, e.g. 48h:all,14d:hourly,365d:daily',
      ).argParser(asArgument(parseKeepPolicy)),
    )
    .option('--dry-run', 'show exactly what would be removed (dates and document counts), change nothing')
    .option('--json', 'print the result as JSON')
    .option('-v, --verbose', 'also list the kept snapshots and why')
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addOption(
      new Option(
        '--pause <ratio>',
        'after each delete, wait ratio x its time so the database keeps serving reads; 0: full speed (default: STRATA_PURGE_PAUSE, 1)',
      ).argParser(asArgument(parsePause)),
    )
    .addHelpText(
      'after',
      `
Never removes a running snapshot or the newest complete one. Safe while crawls and API reads go on: each
snapshot is hidden first (status "purging"), then its documents are deleted; an interrupted purge is finished
by the next run. Tiers count back from the newest snapshot; each keeps the first snapshot of every hour, day
or week (UTC) it covers, and anything older than the last tier goes.

Examples:
  strata purge --before 90d --dry-run
  strata purge --keep 48h:all,14d:hourly,365d:daily
  0 3 * * * strata purge --keep 48h:all,14d:hourly,365d:daily      (crontab)`,
    )
    .action(async (opts: PurgeOptions, cmd: Command) => {
      if (opts.before === undefined && !opts.keep) cmd.error('error: give --before or --keep (or both)');
      const controller = new AbortController();
      const onSignal = () => {
        if (controller.signal.aborted) process.exit(130);
        process.stderr.write('strata: stopping after the current snapshot (Ctrl-C again to quit at once)\n');
        controller.abort();
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const bar = progressBar(opts.progress, 'snapshots');
      try {
        let result: PurgeResult | undefined;
        await withDatabase(null, null, async (db) => {
          let started = false;
          const run = purge(db, {
            before: opts.before,
            keep: opts.keep,
            dryRun: opts.dryRun,
            pause: opts.pause ?? loadConfig().STRATA_PURGE_PAUSE,
            signal: controller.signal,
            onProgress: ({ done, total, date }) => {
              if (!started) bar.start(total, isoDate(date));
              started = true;
              bar.update(done, isoDate(date));
            },
          });
          result = await run.catch(async (e: Error) => {
            if (!opts.dryRun) await auditPurge(db, opts, 'failure', { why: e.message }).catch(() => {});
            throw e;
          });
          if (!opts.dryRun) {
            await auditPurge(db, opts, 'success', {
              removed: result.removed,
              documents: result.documents,
              durationMs: result.durationMs,
              interrupted: result.interrupted,
            });
          }
        });
        if (!result) return;
        bar.stop();
        process.stdout.write(
          opts.json ? `${JSON.stringify(result, null, 2)}\n` : formatPurgeResult(result, opts.verbose),
        );
        if (result.interrupted) process.exitCode = 130;
      } finally {
        bar.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
