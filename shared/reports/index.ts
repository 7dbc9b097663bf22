/** Report builders by kind. Each returns a Report whose rows stream from MongoDB as they are written. */
import type { Db } from 'mongodb';
import { backupsReport, DEFAULT_MAX_AGE_HOURS } from './backups.ts';
import { capacityReport } from './capacity.ts';
import { changesReport } from './changes.ts';
import { openContext, type ReportOptions } from './context.ts';
import { inventoryReport } from './inventory.ts';
import type { Report } from './model.ts';
import { orphansReport } from './orphans.ts';

export const REPORT_KINDS = ['inventory', 'capacity', 'changes', 'backups', 'orphans'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export async function buildReport(db: Db, kind: ReportKind, opts: ReportOptions = {}): Promise<Report> {
  const ctx = await openContext(db, opts, kind === 'changes' ? 'compare' : kind === 'capacity' ? 'history' : 'none');
  switch (kind) {
    case 'inventory':
      return inventoryReport(ctx);
    case 'capacity':
      return capacityReport(ctx);
    case 'changes':
      return changesReport(ctx);
    case 'backups':
      return backupsReport(ctx, opts.maxAgeHours ?? DEFAULT_MAX_AGE_HOURS);
    case 'orphans':
      return orphansReport(ctx);
  }
}

export type { ReportOptions } from './context.ts';
export { ReportError } from './model.ts';
export { REPORT_FORMATS, type ReportFormat, writeReport } from './writer.ts';
