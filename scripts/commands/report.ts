/** `strata report <kind>`: inventory, capacity, changes, backups and orphans as csv, json, html or md. */
import path from 'node:path';
import { Argument, type Command, InvalidArgumentError, Option } from 'commander';
import {
  buildReport,
  REPORT_FORMATS,
  REPORT_KINDS,
  type ReportFormat,
  type ReportKind,
  writeReport,
} from '../../shared/reports/index.ts';
import { openOutput } from '../cli/output.ts';
import { progressBar } from '../cli/progress.ts';
import { withDatabase } from '../database.ts';

interface ReportCliOptions {
  date: string;
  compare?: string;
  format?: ReportFormat;
  out?: string;
  cluster?: string[];
  maxAgeHours?: number;
  progress?: boolean;
}

const DATE_SYNTAX = /^(last|\d+|\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)$/i;
const DURATION_SYNTAX = /^(\d+[smhdwy])+$/i;

const dateArgument = (allowDuration: boolean) => (value: string) => {
  const v = value.trim();
  if (DATE_SYNTAX.test(v) || (allowDuration && DURATION_SYNTAX.test(v))) return v;
  throw new InvalidArgumentError(
    `use last, epoch seconds, 2026-01-31 or 2026-01-31T12:00Z${allowDuration ? ', or a duration back from --date like 7d' : ''}.`,
  );
};

const clusterList = (value: string, previous: string[] = []) => {
  const names = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!names.length) throw new InvalidArgumentError('give one or more cluster names separated by commas.');
  return [...previous, ...names];
};

const positiveHours = (value: string) => {
  const n = Number(value);
  if (!/^\d+(\.\d+)?$/.test(value.trim()) || !(n > 0) || n > 24 * 3650) {
    throw new InvalidArgumentError('give a number of hours greater than 0 (e.g. 36).');
  }
  return n;
};

/** --format, else the --out file's extension, else csv. */
export function pickFormat(format: ReportFormat | undefined, out: string | undefined): ReportFormat {
  if (format) return format;
  const ext = out ? path.extname(out).slice(1).toLowerCase() : '';
  if (ext === 'htm') return 'html';
  if (ext === 'markdown') return 'md';
  return (REPORT_FORMATS as readonly string[]).includes(ext) ? (ext as ReportFormat) : 'csv';
}

export function register(program: Command): void {
  program
    .command('report')
    .description('write a report: inventory, capacity, changes, backups or orphans')
    .addArgument(new Argument('<kind>', 'which report').choices(REPORT_KINDS))
    .addOption(
      new Option('--date <date>', 'the snapshot: last, epoch seconds, or the newest at an ISO date/time')
        .default('last')
        .argParser(dateArgument(false)),
    )
    .addOption(
      new Option(
        '--compare <date>',
        'changes: the older snapshot (default: the one before --date); capacity: start of the history (default 30d)',
      ).argParser(dateArgument(true)),
    )
    .addOption(
      new Option('--format <format>', 'output format (default: from --out extension, else csv)').choices(
        REPORT_FORMATS,
      ),
    )
    .option('--out <file>', 'write to this file (complete or not at all) instead of stdout')
    .addOption(new Option('--cluster <names>', 'only these clusters, comma-separated').argParser(clusterList))
    .addOption(
      new Option(
        '--max-age-hours <hours>',
        'backups: covered when the newest backup is at most this old (default 36)',
      ).argParser(positiveHours),
    )
    .option('--progress', 'show a progress bar even when stderr is not a terminal')
    .addHelpText(
      'after',
      `
Reports (CSV has one row per object with a stable id, so files from two dates compare):
  inventory  one row per guest: cluster, node, type, name, status, CPU, memory, disks, IPs, tags, pool, last backup age
  capacity   allocated against physical CPU, memory and storage per cluster and node; days-to-full per storage
  changes    what changed between --compare and --date: guests, disks, nodes, storages, backups
  backups    coverage per guest (a backup within --max-age-hours), protection, verification; orphaned backups
  orphans    volumes attached to no guest, and unused disks

Examples:
  strata report inventory --format csv --out inventory.csv
  strata report changes --compare 7d --format md
  strata report capacity --cluster prod-a,prod-b --format html --out capacity.html
  0 6 * * 1 strata report backups --format html --out /srv/reports/backups-$(date +\\%F).html   (crontab)`,
    )
    .action(async (kind: ReportKind, opts: ReportCliOptions, cmd: Command) => {
      if (opts.maxAgeHours !== undefined && kind !== 'backups') {
        cmd.error('error: option --max-age-hours applies to the backups report only');
      }
      const format = pickFormat(opts.format, opts.out);
      await withDatabase(null, null, async (db) => {
        const report = await buildReport(db, kind, {
          date: opts.date,
          compare: opts.compare,
          clusters: opts.cluster,
          maxAgeHours: opts.maxAgeHours,
        });
        const output = await openOutput(opts.out);
        const bar = progressBar(opts.progress, 'rows');
        try {
          const { rows } = await writeReport(report, format, output.stream, {
            onSection: (s) => {
              bar.stop();
              bar.start(s.expectedRows ?? 0, s.title);
            },
            onRow: (s, n) => {
              if (n > (s.expectedRows ?? 0)) bar.setTotal(n);
              bar.update(n);
            },
          });
          bar.stop();
          await output.commit();
          if (opts.out) {
            const summary = Object.entries(rows)
              .map(([section, n]) => `${n} ${section}`)
              .join(', ');
            process.stderr.write(`strata: wrote ${kind} report (${format}, ${summary}) to ${opts.out}\n`);
          }
        } catch (e) {
          bar.stop();
          await output.abort();
          throw e;
        }
      });
    });
}
